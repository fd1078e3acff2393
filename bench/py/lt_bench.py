#!/usr/bin/python3
"""libtorrent peer for bench:transfer (run with /usr/bin/python3, libtorrent 2.0).

  seed FILE.torrent DATA_DIR [--host H] [--port P] [--utp]
  download FILE.torrent OUT_DIR --peer HOST:PORT [--host H] [--port P] [--timeout S] [--utp]

libtorrent's default settings, except what a loopback benchmark needs: listen on HOST:PORT only,
several connections per IP allowed, DHT/LSD/UPnP/NAT-PMP off, and TCP only unless --utp (see
make_session). Prints JSON lines on stdout.

seed checks the data first (so no hashing happens while serving; the bench times only the
transfer), then prints {"event":"ready","port":P,"pid":N} and serves until SIGTERM or until its
parent goes away. download prints {"event":"ready"} once listening, dials the peer (again every
second while unconnected), prints {"event":"progress","bytes":N,...} every 250 ms, and once every
piece is in, flushes the data to disk, prints {"event":"done",...} and exits 0. Every wait is
bounded: download gives up after --timeout seconds with exit code 2.
"""

import argparse
import json
import os
import signal
import sys
import time

import libtorrent as lt

CHECKING = (lt.torrent_status.checking_files, lt.torrent_status.checking_resume_data)


def emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def fail(message, code=1):
    emit({"event": "error", "error": message})
    sys.exit(code)


def parse_peer(text):
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError("peer must be HOST:PORT, got %r" % text)
    return (host, int(port))


def make_session(args):
    settings = {
        "listen_interfaces": "%s:%d" % (args.host, args.port),
        "allow_multiple_connections_per_ip": True,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        # Not a tuning knob: 2.0 posts only error alerts by default, and the driver waits for
        # listen_succeeded (status) and save_resume_data (storage).
        "alert_mask": (lt.alert.category_t.error_notification | lt.alert.category_t.status_notification
                       | lt.alert.category_t.storage_notification),
    }
    if not args.utp:
        # libtorrent dials uTP first by default; on loopback its uTP crawls (~6 MB/s with
        # stalls in 2.0.8), and shoal speaks TCP only, so the reference is measured on TCP.
        settings["enable_incoming_utp"] = False
        settings["enable_outgoing_utp"] = False
    ses = lt.session(settings)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ses.wait_for_alert(100)
        for a in ses.pop_alerts():
            if isinstance(a, lt.listen_failed_alert):
                fail("listen failed: %s" % a.message(), code=3)
            if isinstance(a, lt.listen_succeeded_alert) and a.socket_type == lt.socket_type_t.tcp:
                return ses, a.port
    fail("session did not start listening in time", code=3)


def add(ses, args, save_path):
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(args.torrent)
    atp.save_path = os.path.abspath(save_path)
    atp.flags = atp.flags & ~lt.torrent_flags.auto_managed & ~lt.torrent_flags.paused
    return ses.add_torrent(atp)


def tcp_connections():
    """(local port, remote port) of the established IPv4 TCP connections. The bindings do not
    expose peer_info's uTP flag, and a uTP peer shares the TCP listen port, so a peer is on TCP
    only if its exact port pair is an established TCP connection."""
    pairs = set()
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            cols = line.split()
            if cols[3] == "01":
                pairs.add((int(cols[1].split(":")[1], 16), int(cols[2].split(":")[1], 16)))
    return pairs


def transports(h):
    """How each connected peer is connected: 'utp' or 'tcp'."""
    tcp = tcp_connections()
    return ["tcp" if (p.local_endpoint[1], p.ip[1]) in tcp else "utp" for p in h.get_peer_info()]


def cmd_seed(args):
    ses, port = make_session(args)
    h = add(ses, args, args.dir)
    deadline = time.monotonic() + args.timeout
    while True:
        st = h.status()
        if st.errc.value() != 0:
            fail("torrent error: %s" % st.errc.message())
        if st.state not in CHECKING and not st.queued_for_checking:
            break
        if time.monotonic() > deadline:
            fail("data check did not finish in time", code=2)
        ses.wait_for_alert(100)
        ses.pop_alerts()
    if not st.is_seeding:
        fail("data in %s does not match the torrent (%d/%d pieces)" % (args.dir, st.num_pieces, h.torrent_file().num_pieces()))
    emit({"event": "ready", "port": port, "pid": os.getpid()})
    parent = os.getppid()
    last = 0.0
    while os.getppid() == parent:
        ses.wait_for_alert(250)
        ses.pop_alerts()
        now = time.monotonic()
        if now - last >= 1.0:
            st = h.status()
            emit({"event": "progress", "uploaded": st.total_payload_upload, "peers": st.num_peers,
                  "transports": transports(h)})
            last = now
    return 4


def flush(ses, h, timeout=30.0):
    """Waits until every block is on disk: a piece passes its hash check while its blocks may
    still be queued for writing, so 'seeding' alone does not mean the file is complete."""
    h.save_resume_data(lt.save_resume_flags_t.flush_disk_cache)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ses.wait_for_alert(100)
        for a in ses.pop_alerts():
            if isinstance(a, lt.save_resume_data_alert):
                return True
            if isinstance(a, lt.save_resume_data_failed_alert):
                return False
    return False


def cmd_download(args):
    os.makedirs(args.dir, exist_ok=True)
    ses, port = make_session(args)
    h = add(ses, args, args.dir)
    emit({"event": "ready", "port": port, "pid": os.getpid()})
    deadline = time.monotonic() + args.timeout
    parent = os.getppid()
    last_dial = -1e9
    last_progress = 0.0
    seen = set()
    while True:
        now = time.monotonic()
        if os.getppid() != parent:
            return 4
        st = h.status()
        if st.errc.value() != 0:
            fail("torrent error: %s" % st.errc.message())
        if st.num_peers > 0 and not seen:
            seen.update(transports(h))
        if st.is_seeding:
            finished_at = time.monotonic()
            if not flush(ses, h):
                fail("finished, but the data could not be flushed to disk", code=5)
            st = h.status()
            emit({"event": "done", "bytes": st.total_done, "downloaded": st.total_payload_download,
                  "flushMs": round((time.monotonic() - finished_at) * 1000), "transports": sorted(seen)})
            ses.pause()
            return 0
        if now > deadline:
            emit({"event": "timeout", "bytes": st.total_done})
            return 2
        if st.num_peers == 0 and now - last_dial >= 1.0:
            h.connect_peer(args.peer)
            last_dial = now
        if now - last_progress >= 0.25:
            emit({"event": "progress", "bytes": st.total_done, "rate": st.download_payload_rate,
                  "peers": st.num_peers})
            last_progress = now
        ses.wait_for_alert(50)
        ses.pop_alerts()


def main():
    signal.signal(signal.SIGTERM, lambda *_: os._exit(143))
    p = argparse.ArgumentParser(prog="lt_bench.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("seed", "download"):
        s = sub.add_parser(name)
        s.add_argument("torrent")
        s.add_argument("dir")
        s.add_argument("--host", default="127.0.0.1")
        s.add_argument("--port", type=int, default=0)
        s.add_argument("--timeout", type=float, default=600.0)
        s.add_argument("--utp", action="store_true", help="allow uTP (libtorrent's default; off here)")
        if name == "download":
            s.add_argument("--peer", type=parse_peer, required=True)
    args = p.parse_args()
    try:
        return {"seed": cmd_seed, "download": cmd_download}[args.cmd](args) or 0
    except RuntimeError as e:
        fail("libtorrent: %s" % e)


if __name__ == "__main__":
    sys.exit(main())
