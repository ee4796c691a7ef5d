import {readFileSync} from 'node:fs'
import {beforeAll, describe, expect, it} from 'vitest'
import {URL_SCHEMES} from '../../src/profiles/resolve.js'
import {BROKERS} from '../../src/brokers/registry.js'
import {runCg} from '../helpers/cli.js'

type Broker = 'Redis' | 'Kafka' | 'RabbitMQ'
const ALL: Broker[] = ['Redis', 'Kafka', 'RabbitMQ']

interface ManifestCommand {
  id: string
  hidden?: boolean
  description?: string
  flags: Record<string, {type: string; default?: unknown}>
  examples?: Array<string | {description: string; command: string}>
}
const manifest = JSON.parse(readFileSync(new URL('../../oclif.manifest.json', import.meta.url), 'utf8')) as {commands: Record<string, ManifestCommand>}
const commands = Object.values(manifest.commands).filter((c) => !c.hidden)

/** The brokers each command works on; [] for commands that never talk to a broker's groups. */
const SERVES: Record<string, Broker[]> = {
  autocomplete: [],
  check: ALL,
  claim: ['Redis', 'RabbitMQ'],
  'consumer:delete': ALL,
  consumers: ALL,
  'dlq:list': ALL,
  'dlq:move': ['Redis'],
  'dlq:peek': ALL,
  'dlq:purge': ALL,
  'dlq:replay': ALL,
  'group:create': ['Redis'],
  'group:delete': ['Redis', 'Kafka'],
  groups: ALL,
  lag: ALL,
  metrics: ALL,
  'offsets:delete': ['Kafka'],
  pending: ALL,
  'profiles:list': [],
  'profiles:show': [],
  'profiles:test': ALL,
  'profiles:use': [],
  reset: ['Redis', 'Kafka', 'RabbitMQ'],
  setid: ['Redis'],
}

/** An example command that runs on this broker: Redis is the default; the others by URL or profile. */
const SELECTS: Record<Broker, RegExp> = {
  Redis: /^(?!.*(--url (kafkas?|amqps?):|-p (kafka|rabbit)))/,
  Kafka: /--url kafkas?:\/\/|-p kafka\b/,
  RabbitMQ: /--url amqps?:\/\/|-p rabbit\b/,
}

/** The help text's sections by header (USAGE, ARGUMENTS, FLAGS, GLOBAL FLAGS, DESCRIPTION, ...). */
function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  let current: string[] | undefined
  for (const line of text.split('\n')) {
    if (/^[A-Z][A-Z ]+$/.test(line)) {
      current = []
      out.set(line, current)
    } else current?.push(line)
  }
  return out
}

/** The entries (flag or argument with its wrapped description) of the ARGUMENTS and *FLAGS sections. */
function entries(text: string): string[] {
  const out: string[] = []
  for (const [header, lines] of sections(text)) {
    if (header !== 'ARGUMENTS' && !header.endsWith('FLAGS')) continue
    for (const line of lines) {
      if (/^\s{2,6}(-\w, |\[?[A-Z]|--)/.test(line)) out.push(line.trim())
      else if (line.trim() && out.length) out[out.length - 1] += ' ' + line.trim()
    }
  }
  return out
}

const help = new Map<string, string>()

beforeAll(async () => {
  await Promise.all(
    commands.map(async (c) => {
      const res = await runCg([...c.id.split(':'), '--help'])
      expect(res.code, `${c.id} --help: ${res.stderr}`).toBe(0)
      help.set(c.id, res.stdout)
    }),
  )
}, 120_000)

describe('help of every command', () => {
  it("every command is known here, and the table agrees with the operations of each broker's driver", async () => {
    expect(commands.map((c) => c.id).sort()).toEqual(Object.keys(SERVES).sort())
    const label: Record<string, Broker> = {redis: 'Redis', kafka: 'Kafka', rabbitmq: 'RabbitMQ'}
    for (const entry of BROKERS) {
      const {ops, refusals} = await entry.driver()
      for (const [id, brokers] of Object.entries(SERVES)) {
        if (brokers.length === 0 || id.startsWith('profiles:')) continue
        const serves = brokers.includes(label[entry.kind])
        // cg check and cg metrics present the status read
        const op = id === 'check' || id === 'metrics' ? 'status' : id
        expect(op in ops, `${id} on ${entry.kind}`).toBe(serves)
        // an operation a broker has not got is refused with a hint of its own
        if (!serves) expect(refusals[id as keyof typeof refusals], `${id} refusal on ${entry.kind}`).toMatch(/\S/)
      }
    }
  })

  it.each(commands.map((c) => c.id))('%s: no word of where a layout was first seen', (id) => {
    expect(help.get(id)).not.toMatch(/\bseeds?\b|dlq_handler|StreamConsumer/i)
  })

  it.each(commands.map((c) => c.id))('%s: every default is printed once', (id) => {
    const all = entries(help.get(id)!)
    expect(all.length).toBeGreaterThan(0)
    for (const e of all) {
      // oclif prints `[default: X]` itself: the text must not say it again
      if (e.includes('[default: ')) expect(e.match(/default/gi)?.length, e).toBe(1)
      // an argument may have one default per broker, but never the same one twice
      const said = [...e.matchAll(/default:? ([^).,;]+)/gi)].map((m) => m[1])
      expect(new Set(said).size, e).toBe(said.length)
    }
  })

  it.each(commands.filter((c) => 'url' in c.flags).map((c) => c.id))('%s: --url names all eight schemes', (id) => {
    const url = entries(help.get(id)!).find((e) => e.startsWith('--url'))
    for (const scheme of URL_SCHEMES) expect(url).toContain(scheme)
  })

  it.each(commands.filter((c) => SERVES[c.id].length > 0).map((c) => c.id))('%s: an example for each broker it serves', (id) => {
    const text = help.get(id)!
    const examples = (manifest.commands[id].examples ?? []).filter((e) => typeof e === 'object')
    for (const broker of SERVES[id]) {
      const ok = examples.some((e) => e.description.startsWith(`${broker}:`) && SELECTS[broker].test(e.command))
      expect(ok, `${id}: no ${broker} example`).toBe(true)
      expect(sections(text).get('EXAMPLES')!.join('\n')).toContain(`${broker}:`)
    }
  })

  it.each(commands.filter((c) => SERVES[c.id].length > 0 && !c.id.startsWith('profiles:')).map((c) => c.id))(
    '%s: a usage line and the arguments for each broker it serves; the others are said to refuse it',
    (id) => {
      const s = sections(help.get(id)!)
      const usage = s.get('USAGE')!.filter((l) => l.trim())
      for (const line of usage) expect(line, 'a usage line that wrapped').toMatch(/^ {2}\$ cg .* # (Redis|Kafka|RabbitMQ)$/)
      for (const broker of SERVES[id]) {
        expect(
          usage.some((l) => l.endsWith(`# ${broker}`)),
          `${id}: no ${broker} usage`,
        ).toBe(true)
        expect(s.get('ARGUMENTS')!.join(' '), `${id}: arguments on ${broker}`).toContain(`${broker}`)
      }
      const refusals = (manifest.commands[id].description ?? '').split('\n').flatMap((p) => /^([^:]+): refused \(exit 4\)/.exec(p)?.[1] ?? [])
      for (const broker of ALL.filter((b) => !SERVES[id].includes(b))) {
        expect(
          refusals.some((r) => r.includes(broker)),
          `${id}: does not say ${broker} refuses it`,
        ).toBe(true)
      }
    },
  )
})
