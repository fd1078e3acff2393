#!/usr/bin/python3
"""libtorrent peer for shoal's tracker interop tests (run with /usr/bin/python3, libtorrent 2.0).

It finds other peers ONLY through the torrent's trackers (no peers are given to it), which is
what the tests check: a shoal tracker introduces libtorrent and Transmission peers to each other.

  create SRC OUT.torrent --tracker URL [--piece-length N]     v1 torrent announcing to URL
  seed FILE.torrent DATA_DIR [--timeout S]
  download FILE.torrent OUT_DIR [--timeout S]

Output: JSON lines on stdout: {"event":"ready","port":P} once listening (seed: once the data is
checked), {"event":"tracker_reply","url":U,"numPeers":N}, {"event":"tracker_error",...},
{"event":"done"} when a download completes (then exit 0), {"event":"timeout"} (exit 3).
Loopback settings: 127.0.0.1, DHT/LSD/UPnP/NAT-PMP off, several connections per IP allowed,
fast reconnects and a high fail count, so a peer that was not up yet is retried quickly.
"""

import argparse
import json
import os
import sys
import time

import libtorrent as lt


def emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def session():
    cat = lt.alert.category_t
    return lt.session({
        "listen_interfaces": "127.0.0.1:0",
        "outgoing_interfaces": "127.0.0.1",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "allow_multiple_connections_per_ip": True,
        "min_reconnect_time": 1,
        "max_failcount": 100,
        "announce_to_all_trackers": True,
        "announce_to_all_tiers": True,
        "alert_mask": cat.error_notification | cat.status_notification | cat.tracker_notification,
    })


def report(ses):
    for a in ses.pop_alerts():
        if isinstance(a, lt.tracker_reply_alert):
            emit({"event": "tracker_reply", "url": a.tracker_url(), "numPeers": a.num_peers})
        elif isinstance(a, lt.tracker_error_alert):
            emit({"event": "tracker_error", "url": a.tracker_url(), "message": a.message()})
        elif isinstance(a, lt.tracker_warning_alert):
            emit({"event": "tracker_warning", "url": a.tracker_url(), "message": a.message()})


def add(ses, torrent, save_path):
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(torrent)
    atp.save_path = os.path.abspath(save_path)
    return ses.add_torrent(atp)


def cmd_create(args):
    fs = lt.file_storage()
    lt.add_files(fs, os.path.abspath(args.src))
    ct = lt.create_torrent(fs, args.piece_length, lt.create_torrent.v1_only)
    for tier, url in enumerate(args.tracker):
        ct.add_tracker(url, tier)
    lt.set_piece_hashes(ct, os.path.dirname(os.path.abspath(args.src)))
    with open(args.out, "wb") as f:
        f.write(lt.bencode(ct.generate()))
    emit({"event": "created", "infoHash": str(lt.torrent_info(args.out).info_hashes().v1)})


def run_peer(args, seeding):
    ses = session()
    h = add(ses, args.torrent, args.dir)
    deadline = time.monotonic() + args.timeout
    ready = False
    last_announce = 0.0
    while time.monotonic() < deadline:
        ses.wait_for_alert(100)
        report(ses)
        st = h.status()
        if not ready and (not seeding or st.state == lt.torrent_status.seeding):
            ready = True
            emit({"event": "ready", "port": ses.listen_port(), "state": str(st.state)})
            h.force_reannounce()
        if ready and not seeding and st.is_seeding:
            emit({"event": "done", "downloaded": st.total_download, "peers": st.num_peers})
            return 0
        if ready and st.num_peers == 0 and time.monotonic() - last_announce > 2:
            # No peer yet: ask the tracker again (the test tracker's min interval is 1 s).
            last_announce = time.monotonic()
            h.force_reannounce(0, -1, lt.reannounce_flags_t.ignore_min_interval)
    emit({"event": "timeout"})
    return 3


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("create")
    c.add_argument("src")
    c.add_argument("out")
    c.add_argument("--tracker", action="append", required=True)
    c.add_argument("--piece-length", type=int, default=16384)
    for name in ("seed", "download"):
        s = sub.add_parser(name)
        s.add_argument("torrent")
        s.add_argument("dir")
        s.add_argument("--timeout", type=float, default=60)
    args = p.parse_args()
    if args.cmd == "create":
        cmd_create(args)
        return 0
    return run_peer(args, args.cmd == "seed")


if __name__ == "__main__":
    sys.exit(main())
