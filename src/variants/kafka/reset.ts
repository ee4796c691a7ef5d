import {usage} from '../../errors/cg-error.js'
import {warn} from '../../output/log.js'
import type {Ui} from '../../output/ui.js'
import {parseResetMode, parseResetPlanCsv, parseScope, resetOffsets, type KafkaResetMode, type KafkaResetReport, type ResetPartition} from '../../services/kafka/reset.js'
import {readInputFile} from '../../services/inputs.js'
import type {VariantContext} from '../types.js'

/** The GROUP of a Kafka command whose Redis form is `[STREAM] [GROUP]`: one value is the group. */
export async function kafkaGroupArg(ctx: VariantContext): Promise<string> {
  const given = [ctx.args.source, ctx.args.group].filter((v): v is string => v !== undefined && v !== '')
  if (given.length > 1) throw usage(`on Kafka give the GROUP only (got ${given.join(' ')})`, 'Topics go in --topic T or T:P,P.')
  if (given.length === 1) return given[0]
  const fromProfile = (await ctx.profile()).group
  if (fromProfile) return fromProfile
  throw usage('missing GROUP', 'Give GROUP on the command line, or set `group:` in the profile.')
}

/** `cg reset GROUP` on Kafka: kafka-consumer-groups.sh --reset-offsets, dry run unless --execute. */
export async function run(ctx: VariantContext): Promise<void> {
  const f = ctx.flags as Record<string, string | boolean | string[] | undefined>
  const group = await kafkaGroupArg(ctx)
  if (f.execute && f['dry-run']) throw usage('--execute and --dry-run exclude each other', 'Leave --execute out for a dry run.')
  const parsed = parseResetMode({
    toEarliest: f['to-earliest'] as boolean,
    toLatest: f['to-latest'] as boolean,
    toCurrent: f['to-current'] as boolean,
    toOffset: f['to-offset'] as string | undefined,
    shiftBy: f['shift-by'] as string | undefined,
    toDatetime: f['to-datetime'] as string | undefined,
    byDuration: f['by-duration'] as string | undefined,
    fromFile: f['from-file'] as string | undefined,
    toId: f['to-id'] as string | undefined,
  })
  let mode: KafkaResetMode
  if (parsed.kind === 'from-file') {
    const text = await readInputFile(parsed.path, '--from-file', 'Give the CSV that `cg reset GROUP ... --export` or kafka-consumer-groups.sh --export wrote (topic,partition,offset lines); - reads it from stdin.')
    mode = {kind: 'from-file', path: parsed.path, rows: parseResetPlanCsv(text, group, parsed.path)}
  } else mode = parsed
  const scope = parseScope(f.topic as string[] | undefined, Boolean(f['all-topics']), mode.kind === 'from-file')
  const exportCsv = Boolean(f.export)
  const report = await resetOffsets(await ctx.kafka(), {group, mode, scope, execute: Boolean(f.execute), exportCsv})
  if (exportCsv && !ctx.json) {
    // the CSV alone on stdout (for --from-file); notes on stderr
    for (const w of report.warnings) warn(`Warning: ${w}`)
    if (report.executed) warn(`Reset ${report.partitions.length} partition(s) of group ${group}.`)
    process.stdout.write(report.csv ?? '')
    return
  }
  await ctx.output(report, renderReset)
}

async function renderReset(r: KafkaResetReport, ui: Ui): Promise<void> {
  const how = `--${r.mode}${r.modeValue === null ? '' : ' ' + r.modeValue}`
  const n = r.partitions.length
  await ui.line(
    r.executed
      ? `Reset ${n} partition(s) of group ${r.group} (${how}).`
      : `Plan for group ${r.group} (${how}; state ${r.state}${r.members ? `, ${r.members} member(s)` : ''}); nothing changed (add --execute to apply).`,
  )
  await ui.table<ResetPartition>(
    [
      {header: 'TOPIC', get: (x) => x.topic},
      {header: 'PARTITION', get: (x) => x.partition, align: 'right'},
      {header: 'CURRENT', get: (x) => x.current, align: 'right'},
      {header: 'NEW', get: (x) => x.new + (x.clamped ? '*' : ''), align: 'right'},
      {header: 'LOG-START', get: (x) => x.logStart, align: 'right', empty: 'unknown'},
      {header: 'LOG-END', get: (x) => x.logEnd, align: 'right', empty: 'unknown'},
      {header: 'LAG AFTER', get: (x) => x.lagAfter, align: 'right', empty: 'unknown'},
    ],
    r.partitions,
    '(no partitions in scope)',
  )
  if (r.partitions.some((x) => x.clamped)) await ui.line('* clamped into [log-start, log-end]')
  for (const w of r.warnings) await ui.line(`Warning: ${w}`)
}
