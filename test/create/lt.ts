// Test helper: asks libtorrent (python3-libtorrent, Debian's /usr/bin/python3) what it makes of a
// .torrent shoal wrote, and whether its own check of the data finds every piece.
// When the bindings are missing the check is skipped, except under CI=true where it must fail.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';

const PY = '/usr/bin/python3';

const SCRIPT = `
import json, sys, time
import libtorrent as lt
ti = lt.torrent_info(sys.argv[1])
ih = ti.info_hashes()
fs = ti.files()
out = {
  'v1': str(ih.v1) if ih.has_v1() else None,
  'v2': str(ih.v2) if ih.has_v2() else None,
  'pieces': ti.num_pieces(),
  'pieceLength': ti.piece_length(),
  'files': [fs.file_path(i) for i in range(fs.num_files()) if not (fs.file_flags(i) & lt.file_storage.flag_pad_file)],
}
s = lt.session({'listen_interfaces': '127.0.0.1:0', 'enable_dht': False, 'enable_lsd': False,
                'enable_upnp': False, 'enable_natpmp': False})
p = lt.add_torrent_params()
p.ti = ti
p.save_path = sys.argv[2]
h = s.add_torrent(p)
deadline = time.time() + 30
while time.time() < deadline:
  st = h.status()
  if st.state == lt.torrent_status.seeding:
    break
  if st.errc.value() != 0:
    out['error'] = st.errc.message()
    break
  time.sleep(0.05)
out['have'] = h.status().num_pieces
out['state'] = str(h.status().state)
print(json.dumps(out))
`;

export interface LtView {
  readonly v1: string | null;
  readonly v2: string | null;
  readonly pieces: number;
  readonly pieceLength: number;
  readonly files: string[];
  readonly have: number;
  readonly state: string;
  readonly error?: string;
}

let available: boolean | undefined;

/** True when libtorrent can be used; otherwise skips `t` (or fails it under CI=true). */
export function libtorrentOr(t: TestContext): boolean {
  if (available === undefined) {
    available = existsSync(PY) && spawnSync(PY, ['-c', 'import libtorrent'], { timeout: 20_000 }).status === 0;
  }
  if (available) return true;
  if (process.env.CI === 'true') throw new Error(`${PY} with the libtorrent module is required when CI=true`);
  t.skip(`${PY} with python3-libtorrent is not installed`);
  return false;
}

/** Loads `torrentPath` in libtorrent, checks the data under `savePath`, returns what it saw. */
export function libtorrentView(torrentPath: string, savePath: string): LtView {
  const r = spawnSync(PY, ['-c', SCRIPT, torrentPath, savePath], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`libtorrent check failed: ${r.stderr || r.error?.message}`);
  return JSON.parse(r.stdout) as LtView;
}
