#!/usr/bin/python3
"""libtorrent DHT driver for shoal's DHT interop tests (run with /usr/bin/python3, libtorrent 2.0).

usage: dht_driver.py --listen HOST:PORT --bootstrap HOST:PORT [--timeout S]

Runs a libtorrent session with only the DHT enabled, bootstrapped from the given node (loopback
settings: no IP restrictions, node ids not enforced). Prints JSON lines on stdout:
  {"event":"ready","port":P,"nodes":N}         once the DHT has bootstrapped
  {"event":"peers","infoHash":H,"peers":[...]} reply to get_peers (dht_get_peers_reply_alert)
  {"event":"incoming_announce",...}            a node announced to us (dht_announce_alert)
  {"event":"put","target":T,"stored":N}        dht_put_alert
  {"event":"item","target":T,"value":V}        dht_immutable_item_alert (value as bencoded hex)
  {"event":"samples",...}                      dht_sample_infohashes_alert
  {"event":"status","nodes":N}
Commands, one JSON object per line on stdin:
  {"cmd":"announce","infoHash":HEX}          (libtorrent announces its listen port)
  {"cmd":"get_peers","infoHash":HEX}
  {"cmd":"put_immutable","value":TEXT}
  {"cmd":"get_immutable","target":HEX}
  {"cmd":"sample","host":H,"port":P,"target":HEX}
  {"cmd":"status"}
It exits when stdin closes or after --timeout seconds, so it never outlives the test.
"""

import argparse
import binascii
import json
import queue
import sys
import tempfile
import threading
import time
import warnings

import libtorrent as lt

# session.status() is deprecated in 2.0 but remains the simple way to read the DHT node count.
warnings.filterwarnings("ignore", category=DeprecationWarning)


def emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def split_hostport(text):
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def sha1(hexstr):
    return lt.sha1_hash(binascii.unhexlify(hexstr))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--log", action="store_true", help="also print libtorrent's DHT log and packets")
    args = ap.parse_args()

    host, port = split_hostport(args.listen)
    settings = {
        "listen_interfaces": "%s:%d" % (host, port),
        "enable_dht": True,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "dht_bootstrap_nodes": args.bootstrap,
        "dht_restrict_routing_ips": False,
        "dht_restrict_search_ips": False,
        "dht_ignore_dark_internet": False,
        "dht_enforce_node_id": False,
        "allow_multiple_connections_per_ip": True,
        "alert_mask": lt.alert.category_t.dht_notification
        | lt.alert.category_t.dht_operation_notification
        | lt.alert.category_t.status_notification
        | lt.alert.category_t.error_notification
        | (lt.alert.category_t.dht_log_notification if args.log else 0),
    }
    ses = lt.session(settings)

    commands = queue.Queue()

    def reader():
        for line in sys.stdin:
            line = line.strip()
            if line:
                commands.put(line)
        commands.put(None)

    threading.Thread(target=reader, daemon=True).start()

    deadline = time.time() + args.timeout
    ready = False
    bootstrapped_at = None
    while time.time() < deadline:
        ses.wait_for_alert(100)
        for a in ses.pop_alerts():
            if args.log and isinstance(a, (lt.dht_log_alert, lt.dht_pkt_alert)):
                emit({"event": "log", "message": a.message()})
            if isinstance(a, lt.dht_bootstrap_alert):
                bootstrapped_at = time.time()
            elif isinstance(a, lt.dht_get_peers_reply_alert):
                peers = ["%s:%d" % (ep[0], ep[1]) for ep in a.peers()]
                emit({"event": "peers", "infoHash": str(a.info_hash), "peers": peers})
            elif isinstance(a, lt.dht_announce_alert):
                emit({"event": "incoming_announce", "ip": str(a.ip), "port": a.port, "infoHash": str(a.info_hash)})
            elif isinstance(a, lt.dht_put_alert):
                emit({"event": "put", "target": str(a.target), "stored": a.num_success})
            elif isinstance(a, lt.dht_immutable_item_alert):
                item = a.item
                # the bindings wrap the value as {"key": ..., "value": <the item>}
                if isinstance(item, dict) and "value" in item:
                    item = item["value"]
                emit({"event": "item", "target": str(a.target), "value": binascii.hexlify(lt.bencode(item)).decode()})
            elif isinstance(a, lt.dht_sample_infohashes_alert):
                emit({
                    "event": "samples",
                    "endpoint": "%s:%d" % (a.endpoint[0], a.endpoint[1]),
                    "num": a.num_infohashes,
                    "interval": a.interval.total_seconds() if hasattr(a.interval, "total_seconds") else a.interval,
                    "samples": [str(s) for s in (a.samples() if callable(a.samples) else a.samples)],
                })
        if not ready and bootstrapped_at is not None:
            nodes = ses.status().dht_nodes
            if nodes > 0:
                ready = True
                emit({"event": "ready", "port": ses.listen_port(), "nodes": nodes})
        if not ready:
            continue
        try:
            line = commands.get_nowait()
        except queue.Empty:
            continue
        if line is None:
            return
        try:
            c = json.loads(line)
            cmd = c.get("cmd")
            if cmd == "announce":
                # session.dht_announce() cannot be called from these bindings (its flags type is
                # not exposed), so libtorrent announces the way it does for any torrent: add the
                # info hash as a magnet; it announces its listen port to the DHT by itself.
                atp = lt.parse_magnet_uri("magnet:?xt=urn:btih:%s" % c["infoHash"])
                atp.save_path = tempfile.mkdtemp(prefix="shoal-lt-dht-")
                ses.add_torrent(atp)
                emit({"event": "announcing", "infoHash": c["infoHash"], "port": ses.listen_port()})
            elif cmd == "get_peers":
                ses.dht_get_peers(sha1(c["infoHash"]))
            elif cmd == "put_immutable":
                ses.dht_put_immutable_item(c["value"])
            elif cmd == "get_immutable":
                ses.dht_get_immutable_item(sha1(c["target"]))
            elif cmd == "sample":
                ses.dht_sample_infohashes((c["host"], int(c["port"])), sha1(c["target"]))
            elif cmd == "status":
                emit({"event": "status", "nodes": ses.status().dht_nodes})
            else:
                emit({"event": "error", "error": "unknown command %r" % cmd})
        except Exception as e:  # report and keep serving
            emit({"event": "error", "error": repr(e)})
    emit({"event": "timeout"})


if __name__ == "__main__":
    main()
