import {escapeControl} from './escape.js'
import {redact} from '../profiles/redact.js'

/** Warnings and notes go to stderr, never stdout, so `--json` stdout stays one document; one line each. */
export function warn(message: string): void {
  process.stderr.write(escapeControl(redact(message)) + '\n')
}

let verbose = false
export function setVerbose(on: boolean): void {
  verbose = on
}

export function debug(message: string): void {
  if (verbose) process.stderr.write(escapeControl(redact(`[cg] ${message}`)) + '\n')
}
