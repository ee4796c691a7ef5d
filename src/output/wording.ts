// The same words everywhere: dry runs, plans, totals, interruptions and warnings read alike on every
// command and broker. Views build their sentences from these.
import type {Ui} from './ui.js'

/** "Dry run: would claim 5 entries of tasks/workers. Nothing changed." */
export function dryRun(wouldSentence: string): string {
  return `Dry run: ${wouldSentence.replace(/\.$/, '')}. Nothing changed.`
}

/** "claimed 5, skipped 0, failed 1": the counts of a bulk run, in the order given. */
export function counts(pairs: Array<[string, number]>): string {
  return pairs.map(([k, v]) => `${k} ${v}`).join(', ')
}

export const INTERRUPTED = 'Interrupted: run the same command again to finish.'

/** The closing lines of a bulk run: interrupted, or stopped by an error. */
export async function bulkEnding(ui: Ui, t: {interrupted: boolean; error: string | null}): Promise<void> {
  if (t.interrupted) await ui.line(ui.color.yellow(INTERRUPTED))
  if (t.error) await ui.line(ui.color.red(`Stopped: ${t.error}`))
}

/** A warning on stderr, as every command words it. */
export function warning(message: string): string {
  return `Warning: ${message}`
}

/** "1 entry", "3 entries": a count and its noun, singular or plural. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}
