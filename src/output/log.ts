import {redact} from '../profiles/redact.js'

/** Warnings and notes go to stderr, never stdout, so `--json` stdout stays one document. */
export function warn(message: string): void {
  process.stderr.write(redact(message) + '\n')
}

let verbose = false
export function setVerbose(on: boolean): void {
  verbose = on
}

export function debug(message: string): void {
  if (verbose) process.stderr.write(redact(`[cg] ${message}`) + '\n')
}
