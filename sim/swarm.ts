// npm run sim:swarm -- [options]: runs the swarm simulator's scenarios (sim/swarm/) and writes a
// Markdown report with SVG charts to the folder given with --out. Prints each target as PASS or
// FAIL with the measured figure; exits 1 if any target fails (2 on bad usage).
import { parseArgs } from 'node:util';
import { runScenarios, UnknownScenario } from './swarm/runner.js';
import { writeReport } from './swarm/report.js';
import { SCENARIOS, type Scale, type ScaleParams } from './swarm/scenarios/index.js';
import type { SwarmConfig } from './swarm/config.js';

const USAGE = `usage: npm run sim:swarm -- [options]
  --out DIR            report folder (default sim/out/swarm)
  --scenario a,b       scenarios to run (default all): ${SCENARIOS.map((s) => s.name).join(', ')}
  --scale full|small   full: the issue's sizes (1,000 pieces, up to 10,000 peers); small: seconds (default full)
  --seed N             PRNG seed (default 1)
  --peers N            leechers of tit-for-tat, seeder-departure and churn
  --flash-peers N      leechers of the flash crowd of utilization and endgame
  --scaling-peers a,b  swarm sizes of the scaling scenario (e.g. 10,100,1000)
  --target-peers N     the scaling size the targets refer to
  --rarest-peers N     leechers of rarest-vs-random
  --pieces N           piece count
  --piece-length B     piece length in bytes (a power of two >= 16384)
  --quantum MS         clock quantum in ms (default 1)
  --cache DIR          keep finished runs in DIR and reuse them (share runs between invocations)
  --quiet              no progress lines`;

function intList(s: string | undefined): number[] | undefined {
  return s === undefined ? undefined : s.split(',').map((x) => Number(x.trim()));
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        out: { type: 'string', default: 'sim/out/swarm' },
        scenario: { type: 'string' },
        scale: { type: 'string', default: 'full' },
        seed: { type: 'string', default: '1' },
        peers: { type: 'string' },
        'flash-peers': { type: 'string' },
        'scaling-peers': { type: 'string' },
        'target-peers': { type: 'string' },
        'rarest-peers': { type: 'string' },
        pieces: { type: 'string' },
        'piece-length': { type: 'string' },
        quantum: { type: 'string' },
        cache: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (e) {
    console.error(`sim:swarm: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const scale = args.scale as Scale;
  if (scale !== 'full' && scale !== 'small') {
    console.error(`sim:swarm: --scale must be full or small\n${USAGE}`);
    return 2;
  }
  const params: Partial<ScaleParams> = {
    ...(args.peers ? { peers: Number(args.peers) } : {}),
    ...(args['flash-peers'] ? { flashPeers: Number(args['flash-peers']) } : {}),
    ...(args['scaling-peers'] ? { scalingPeers: intList(args['scaling-peers']) as number[] } : {}),
    ...(args['target-peers'] ? { scalingTargetPeers: Number(args['target-peers']) } : {}),
    ...(args['rarest-peers'] ? { rarestPeers: Number(args['rarest-peers']) } : {}),
    ...(args.pieces ? { pieceCount: Number(args.pieces) } : {}),
    ...(args['piece-length'] ? { pieceLength: Number(args['piece-length']) } : {}),
  };
  const config: Partial<SwarmConfig> = args.quantum ? { quantumMs: Number(args.quantum) } : {};
  const seed = Number(args.seed);
  const started = new Date();
  const t0 = performance.now();
  let outcomes;
  try {
    outcomes = await runScenarios({
      scale,
      seed,
      params,
      config,
      ...(args.scenario ? { scenarios: args.scenario.split(',').map((s) => s.trim()) } : {}),
      ...(args.quiet ? {} : { log: (line: string) => console.log(line) }),
      ...(args.cache ? { cacheDir: args.cache } : {}),
    });
  } catch (e) {
    if (e instanceof UnknownScenario || e instanceof RangeError) {
      console.error(`sim:swarm: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const md = await writeReport(args.out as string, outcomes, {
    scale, seed, startedAt: started.toISOString(), wallSeconds: (performance.now() - t0) / 1000, node: process.version,
  });
  const failed = outcomes.flatMap((o) => o.checks.filter((c) => !c.pass).map((c) => `${o.name}: ${c.name}`));
  console.log(`report: ${md}`);
  console.log(failed.length === 0 ? 'all targets met' : `${failed.length} target(s) missed:\n  ${failed.join('\n  ')}`);
  return failed.length === 0 ? 0 : 1;
}

process.exitCode = await main();
