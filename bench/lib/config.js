// Shared settings for every benchmark: where Redis is, how big, how long.
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const CG_BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url))
export const BASELINES_DIR = fileURLToPath(new URL('../baselines/', import.meta.url))

/**
 * A database of its own on the local Redis, so the 10,000 streams and the 1,000,000-entry PEL neither
 * show up in nor slow down the `cg groups` of tests running at the same time on db 0 (and their
 * streams do not end up in our scans). Every key still starts with PREFIX and is removed afterwards.
 */
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/15'
export const ROOT_PREFIX = 'cgbench:'
/** Keys of this run: benchmark runs started at the same time never touch each other's keys. */
export const PREFIX = `${ROOT_PREFIX}${process.pid}:`

export const QUICK = process.env.BENCH_QUICK === '1'
/** sizes are divided by 10 in quick mode (a smoke run) */
export const scale = (n) => (QUICK ? Math.max(1, Math.round(n / 10)) : n)

/** no single process may run longer than this; a benchmark that hits it errors (and cleans up) */
export const PROCESS_TIMEOUT_MS = Number(process.env.BENCH_PROCESS_TIMEOUT_MS ?? 300_000)
