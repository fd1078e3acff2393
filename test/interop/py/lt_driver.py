#!/usr/bin/python3
"""libtorrent driver for shoal's interop tests (run with /usr/bin/python3, libtorrent 2.0).

Subcommands print JSON on stdout, one object per line:
  create --format v1|v2|hybrid --piece-length N [--tracker URL]... SRC OUT.torrent
  info FILE.torrent
  check FILE.torrent DATA_DIR [--timeout S]
  seed FILE.torrent DATA_DIR --port P [--peer HOST:PORT]... [--tracker URL]...
  download FILE.torrent|MAGNET OUT_DIR --port P [--peer HOST:PORT]... [--tracker URL]... [--timeout S]
  (seed and download also take --no-pex, --keep-redundant and --report-peers)

seed and download run a session on HOST:P (loopback by default) with DHT, LSD, UPnP and
NAT-PMP off and fast reconnects, print {"event":"ready",...} once listening (and, for seed,
once the data is checked), then {"event":"progress",...} lines. download exits 0 after
printing {"event":"done","done":true}; seed runs until killed. Every wait is bounded.
"""

import argparse
import json
import os
import signal
import sys
import time

import libtorrent as lt

STATE_NAMES = {
    lt.torrent_status.checking_files: "checking_files",
    lt.torrent_status.downloading_metadata: "downloading_metadata",
    lt.torrent_status.downloading: "downloading",
    lt.torrent_status.finished: "finished",
    lt.torrent_status.seeding: "seeding",
    lt.torrent_status.checking_resume_data: "checking_resume_data",
}
CHECKING = (lt.torrent_status.checking_files, lt.torrent_status.checking_resume_data)


def emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def fail(message, code=1, **extra):
    obj = {"event": "error", "error": message}
    obj.update(extra)
    emit(obj)
    sys.exit(code)


def hashes_of(ih):
    """(v1 hex or None, v2 hex or None) of an info_hash_t."""
    v1 = str(ih.v1) if ih.has_v1() else None
    v2 = str(ih.v2) if ih.has_v2() else None
    return v1, v2


def parse_peer(text):
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError("peer must be HOST:PORT, got %r" % text)
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return (host, int(port))


# ---------------------------------------------------------------- create / info / check


def cmd_create(args):
    src = os.path.abspath(args.src)
    if not os.path.exists(src):
        fail("source does not exist: %s" % src)
    fs = lt.file_storage()
    # Keep every file, hidden ones included, so the file list matches the other creators'.
    lt.add_files(fs, src, lambda _p: True)
    if fs.num_files() == 0:
        fail("no files under %s" % src)
    flags = {"v1": lt.create_torrent.v1_only, "v2": lt.create_torrent.v2_only, "hybrid": 0}[args.format]
    ct = lt.create_torrent(fs, args.piece_length, flags)
    for tier, url in enumerate(args.tracker or []):
        ct.add_tracker(url, tier)
    if args.private:
        ct.set_priv(True)
    ct.set_creator("shoal-interop lt_driver (libtorrent %s)" % lt.__version__)
    lt.set_piece_hashes(ct, os.path.dirname(src))
    data = lt.bencode(ct.generate())
    with open(args.out, "wb") as f:
        f.write(data)
    ti = lt.torrent_info(args.out)
    v1, v2 = hashes_of(ti.info_hashes())
    emit({"infoHashV1": v1, "infoHashV2": v2, "numPieces": ti.num_pieces(),
          "pieceLength": ti.piece_length(), "totalSize": ti.total_size(), "name": ti.name()})


def torrent_summary(ti):
    fs = ti.files()
    files = []
    for i in range(fs.num_files()):
        path = fs.file_path(i).replace(os.sep, "/")
        files.append({
            "path": path,
            "size": fs.file_size(i),
            "offset": fs.file_offset(i),
            "padFile": bool(fs.file_flags(i) & lt.file_storage.flag_pad_file),
        })
    v1, v2 = hashes_of(ti.info_hashes())
    return {
        "name": ti.name(),
        "infoHashV1": v1,
        "infoHashV2": v2,
        "numPieces": ti.num_pieces(),
        "pieceLength": ti.piece_length(),
        "totalSize": ti.total_size(),
        "numFiles": fs.num_files(),
        "private": bool(ti.priv()),
        "trackers": [t.url for t in ti.trackers()],
        "files": files,
    }


def cmd_info(args):
    try:
        ti = lt.torrent_info(args.torrent)
    except RuntimeError as e:
        fail("libtorrent rejected %s: %s" % (args.torrent, e))
    emit(torrent_summary(ti))


def quiet_settings(listen):
    return {
        "listen_interfaces": listen,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "alert_mask": lt.alert.category_t.error_notification | lt.alert.category_t.status_notification,
    }


def cmd_check(args):
    ti = lt.torrent_info(args.torrent)
    ses = lt.session(quiet_settings(""))
    atp = lt.add_torrent_params()
    atp.ti = ti
    atp.save_path = os.path.abspath(args.data_dir)
    # upload_mode: never create or write files in the folder being checked.
    atp.flags = (atp.flags & ~lt.torrent_flags.auto_managed & ~lt.torrent_flags.paused) | lt.torrent_flags.upload_mode
    h = ses.add_torrent(atp)
    deadline = time.monotonic() + args.timeout
    while True:
        st = h.status()
        if st.errc.value() != 0:
            fail("check failed: %s" % st.errc.message())
        if st.has_metadata and st.state not in CHECKING and not st.queued_for_checking:
            break
        if time.monotonic() > deadline:
            fail("check did not finish within %ss" % args.timeout, code=2)
        ses.wait_for_alert(100)
        ses.pop_alerts()
    have = sum(1 for p in st.pieces if p)
    n = ti.num_pieces()
    emit({"numPieces": n, "havePieces": have, "complete": have == n})


# ---------------------------------------------------------------- seed / download


def make_session(args):
    settings = quiet_settings("%s:%d" % (args.host, args.port))
    settings.update({
        "allow_multiple_connections_per_ip": True,
        "min_reconnect_time": 1,
        "max_failcount": 1000,
        "peer_connect_timeout": 5,
        "enable_incoming_utp": bool(args.utp),
        "enable_outgoing_utp": bool(args.utp),
        "announce_to_all_trackers": True,
        "announce_to_all_tiers": True,
        "alert_mask": (lt.alert.category_t.error_notification | lt.alert.category_t.status_notification
                       | lt.alert.category_t.tracker_notification | lt.alert.category_t.peer_notification
                       | lt.alert.category_t.connect_notification),
        "user_agent": "shoal-interop/libtorrent-%s" % lt.__version__,
    })
    if args.host != "127.0.0.1":
        settings["outgoing_interfaces"] = args.host
    if getattr(args, "keep_redundant", False):
        # Two seeds normally drop each other; a test may need them to stay connected.
        settings["close_redundant_connections"] = False
    return lt.session(settings)


def wait_listening(ses, args, deadline):
    """Returns the port once the session listens; exits with an error if it cannot."""
    while time.monotonic() < deadline:
        ses.wait_for_alert(100)
        for a in ses.pop_alerts():
            if isinstance(a, lt.listen_failed_alert):
                fail("listen failed: %s" % a.message(), code=3)
            if isinstance(a, lt.listen_succeeded_alert):
                return a.port
    fail("session did not start listening in time", code=3)


def add_params(args, save_path):
    if args.torrent.startswith("magnet:"):
        atp = lt.parse_magnet_uri(args.torrent)
    else:
        atp = lt.add_torrent_params()
        atp.ti = lt.torrent_info(args.torrent)
    atp.save_path = os.path.abspath(save_path)
    if args.tracker:
        atp.trackers = list(atp.trackers) + list(args.tracker)
    atp.flags = atp.flags & ~lt.torrent_flags.auto_managed & ~lt.torrent_flags.paused
    if getattr(args, "seed_mode", False):
        atp.flags |= lt.torrent_flags.seed_mode
    if getattr(args, "no_pex", False):
        atp.flags |= lt.torrent_flags.disable_pex
    return atp


def status_line(st, event):
    v1, v2 = hashes_of(st.info_hashes)
    return {
        "event": event,
        "state": STATE_NAMES.get(st.state, str(st.state)),
        "progress": round(st.progress, 4),
        "havePieces": st.num_pieces,
        "totalDone": st.total_done,
        "downloaded": st.total_payload_download,
        "uploaded": st.total_payload_upload,
        "peers": st.num_peers,
        "seeds": st.num_seeds,
        "hasMetadata": st.has_metadata,
        "infoHashV1": v1,
        "infoHashV2": v2,
    }


def peer_list(h):
    """The connected peers as the progress lines show them with --report-peers."""
    out = []
    for p in h.get_peer_info():
        out.append({
            "address": "%s:%d" % (p.ip[0], p.ip[1]),
            "outgoing": bool(p.flags & lt.peer_info.outgoing_connection),
            "pex": bool(p.source & lt.peer_info.pex),
            "uploaded": p.total_upload,
            "downloaded": p.total_download,
            "seed": bool(p.flags & lt.peer_info.seed),
            "client": p.client.decode("utf-8", "replace") if isinstance(p.client, bytes) else str(p.client),
        })
    return out


def report_alerts(ses, args, alerts=None):
    for a in ses.pop_alerts() if alerts is None else alerts:
        if isinstance(a, lt.tracker_reply_alert):
            emit({"event": "tracker_reply", "numPeers": a.num_peers, "url": a.tracker_url()})
        elif isinstance(a, lt.tracker_error_alert):
            emit({"event": "tracker_error", "message": a.message()})
        elif isinstance(a, lt.metadata_received_alert):
            emit({"event": "metadata_received"})
        elif isinstance(a, lt.torrent_error_alert):
            emit({"event": "torrent_error", "message": a.message()})
        elif isinstance(a, lt.hash_failed_alert):
            emit({"event": "hash_failed", "piece": a.piece_index})
        elif isinstance(a, (lt.peer_disconnected_alert, lt.peer_error_alert, lt.peer_ban_alert)):
            # Why a peer went away is the first thing to know when a transfer stalls.
            emit({"event": type(a).__name__.replace("_alert", ""), "message": a.message()})
        elif args.verbose:
            emit({"event": "alert", "type": type(a).__name__, "message": a.message()})


def flush_to_disk(ses, h, args, timeout=15.0):
    """Waits until every block is on disk: a piece can pass its hash check while its blocks
    are still queued for writing, so "finished" alone does not mean the files are complete."""
    h.save_resume_data(lt.save_resume_flags_t.flush_disk_cache)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ses.wait_for_alert(100)
        alerts = ses.pop_alerts()
        for a in alerts:
            if isinstance(a, (lt.save_resume_data_alert, lt.save_resume_data_failed_alert)):
                report_alerts(ses, args, [x for x in alerts if x is not a])
                return isinstance(a, lt.save_resume_data_alert)
        report_alerts(ses, args, alerts)
    return False


def run_peer(args, mode):
    deadline = time.monotonic() + args.timeout
    ses = make_session(args)
    port = wait_listening(ses, args, min(deadline, time.monotonic() + 30))
    h = ses.add_torrent(add_params(args, args.dir))

    # A seeder is ready once its data is checked; a leecher as soon as it listens.
    if mode == "seed":
        while True:
            st = h.status()
            if st.errc.value() != 0:
                fail("torrent error: %s" % st.errc.message())
            if st.has_metadata and st.state not in CHECKING and not st.queued_for_checking:
                break
            if time.monotonic() > deadline:
                fail("data check did not finish in time", code=2)
            ses.wait_for_alert(100)
            report_alerts(ses, args)
    ready = status_line(h.status(), "ready")
    ready["port"] = port
    ready["pid"] = os.getpid()
    emit(ready)

    parent = os.getppid()
    last_dial = 0.0
    last_progress = 0.0
    last_announce = time.monotonic()
    while True:
        now = time.monotonic()
        if os.getppid() != parent:
            return 4  # the harness is gone: never outlive it
        st = h.status()
        complete = st.has_metadata and st.is_seeding
        if mode == "download" and complete:
            if not flush_to_disk(ses, h, args):
                fail("finished, but the data could not be flushed to disk", code=5)
            done = status_line(h.status(), "done")
            done["done"] = True
            emit(done)
            if not args.keep_seeding:
                ses.pause()
                return 0
            mode = "seed"
        if now > deadline:
            line = status_line(st, "timeout")
            line["done"] = False
            emit(line)
            return 2
        # Reconnect to the given peers while there is still something to fetch (or, for a
        # seeder, while nobody is connected): a peer that started after us is found quickly.
        if args.peer and now - last_dial >= args.redial and (not complete or st.num_peers == 0):
            for ep in args.peer:
                try:
                    h.connect_peer(ep)
                except RuntimeError as e:
                    emit({"event": "connect_error", "peer": "%s:%d" % ep, "message": str(e)})
            last_dial = now
        if mode == "download" and args.reannounce > 0 and now - last_announce >= args.reannounce and st.num_peers == 0:
            h.force_reannounce(0, -1, lt.reannounce_flags_t.ignore_min_interval)
            last_announce = now
        if now - last_progress >= args.progress_interval:
            line = status_line(st, "progress")
            if args.report_peers:
                line["peerList"] = peer_list(h)
            emit(line)
            last_progress = now
        ses.wait_for_alert(200)
        report_alerts(ses, args)


def cmd_seed(args):
    return run_peer(args, "seed")


def cmd_download(args):
    os.makedirs(args.dir, exist_ok=True)
    return run_peer(args, "download")


# ---------------------------------------------------------------- main


def main():
    # Die quietly on SIGTERM; the harness kills the whole process group anyway.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(143))
    p = argparse.ArgumentParser(prog="lt_driver.py")
    sub = p.add_subparsers(dest="cmd", required=True)

    c = sub.add_parser("create")
    c.add_argument("--format", choices=["v1", "v2", "hybrid"], required=True)
    c.add_argument("--piece-length", type=int, required=True)
    c.add_argument("--tracker", action="append")
    c.add_argument("--private", action="store_true")
    c.add_argument("src")
    c.add_argument("out")

    i = sub.add_parser("info")
    i.add_argument("torrent")

    k = sub.add_parser("check")
    k.add_argument("torrent")
    k.add_argument("data_dir")
    k.add_argument("--timeout", type=float, default=60)

    for name, default_timeout in (("seed", 3600.0), ("download", 60.0)):
        s = sub.add_parser(name)
        s.add_argument("torrent", help="a .torrent file, or a magnet URI (download)")
        s.add_argument("dir")
        s.add_argument("--port", type=int, required=True, help="0 picks a free one (reported in ready)")
        s.add_argument("--host", default="127.0.0.1")
        s.add_argument("--peer", type=parse_peer, action="append", default=[])
        s.add_argument("--tracker", action="append", default=[])
        s.add_argument("--timeout", type=float, default=default_timeout)
        s.add_argument("--redial", type=float, default=1.0, help="seconds between connect_peer rounds")
        s.add_argument("--reannounce", type=float, default=3.0,
                       help="seconds between forced announces while a leecher has no peers (0: off)")
        s.add_argument("--progress-interval", type=float, default=1.0)
        s.add_argument("--utp", action="store_true", help="allow uTP too (default TCP only)")
        s.add_argument("--verbose", action="store_true", help="print every alert")
        s.add_argument("--keep-seeding", action="store_true", help="download: keep running as a seed when done")
        s.add_argument("--seed-mode", action="store_true", help="trust the data without checking it")
        s.add_argument("--no-pex", action="store_true", help="disable ut_pex for this torrent (neither use nor send it)")
        s.add_argument("--keep-redundant", action="store_true",
                       help="keep seed-to-seed connections (close_redundant_connections off)")
        s.add_argument("--report-peers", action="store_true",
                       help="progress lines carry peerList: each connected peer's address, direction and bytes")

    args = p.parse_args()
    handler = {"create": cmd_create, "info": cmd_info, "check": cmd_check,
               "seed": cmd_seed, "download": cmd_download}[args.cmd]
    try:
        return handler(args) or 0
    except RuntimeError as e:
        fail("libtorrent: %s" % e)


if __name__ == "__main__":
    sys.exit(main())
