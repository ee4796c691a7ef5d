// Malformed input on every broker: for each case the truthful exit code (2 usage, 4 refused, 5 not
// found, 69 unreachable/auth/TLS; never 1), exactly one `Error:` line and one `Hint:` line on stderr
// (plain) or the error document alone on stdout (--json), no stack trace, no secret, and for commands
// that change things, the broker state as it was. Real brokers only: a broker that is down fails.
import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Redis} from 'ioredis'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BIN, cgEnv, runCg, type CliResult} from '../helpers/cli.js'
import {commitOffsets, createTopic, deleteGroups, deleteTopics, kafkaAdmin, kname, produce, KAFKA} from '../helpers/kafka.js'
import {mgmt, enc, RABBIT_HOST, useRabbit} from '../helpers/rabbitmq.js'
import {REDIS_URL, redis, seedGroup, uniq} from '../helpers/redis.js'

/** The error codes of each exit status (cg-error.ts). */
const CODES: Record<number, string[]> = {2: ['usage', 'wrong_type'], 4: ['refused', 'unsupported'], 5: ['not_found'], 69: ['unreachable', 'auth', 'timeout']}

/** A password that appears in URLs and profiles of the cases: it must never be printed. */
const SECRET = `s3cret-${randomBytes(6).toString('hex')}`

interface Case {
  /** what is malformed, for the test name */
  what: string
  args: () => string[]
  code: 2 | 4 | 5 | 69
  /** a text the error message must contain (it names the part) */
  names?: RegExp
  /** the command would change the broker: compare its state before and after */
  mutates?: boolean
  cwd?: () => string
}

function expectOneError(res: CliResult, c: Case, json: boolean): void {
  const where = `${c.what}${json ? ' --json' : ''}\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`
  expect(res.code, where).toBe(c.code)
  for (const out of [res.stdout, res.stderr]) {
    expect(out, `stack trace: ${where}`).not.toMatch(/^\s+at .+[:(]/m)
    expect(out, `secret printed: ${where}`).not.toContain(SECRET)
  }
  if (json) {
    expect(res.stderr, `stderr with --json: ${where}`).toBe('')
    const doc = res.json()
    expect(Object.keys(doc), where).toEqual(['error'])
    expect(Object.keys(doc.error).sort(), where).toEqual(['code', 'hint', 'message'])
    expect(CODES[c.code], where).toContain(doc.error.code)
    expect(typeof doc.error.hint === 'string' && doc.error.hint.length > 0, `no hint: ${where}`).toBe(true)
    if (c.names) expect(doc.error.message, where).toMatch(c.names)
  } else {
    expect(res.stdout, where).toBe('')
    const lines = res.stderr.split('\n').filter((l) => l !== '')
    expect(lines.length, `one Error line and one Hint line: ${where}`).toBe(2)
    expect(lines[0], where).toMatch(/^Error: \S/)
    expect(lines[1], where).toMatch(/^Hint: \S/)
    // one line each, control characters escaped
    expect(res.stderr, where).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/)
    if (c.names) expect(lines[0], where).toMatch(c.names)
  }
}

/** Each case plain and with --json; the broker's state compared around the mutating ones. */
function runTable(broker: string, cases: Case[], state: () => Promise<unknown>, url: () => string): void {
  for (const c of cases) {
    for (const json of [false, true]) {
      // a case that could change the broker runs alone, so the states compared are its own doing
      const test = c.mutates ? it : it.concurrent
      test(`${broker}: ${c.what}${json ? ' --json' : ''} -> exit ${c.code}`, async () => {
        const before = c.mutates ? await state() : null
        const args = c.args()
        const argv = [...args, ...(args.includes('--url') || args.includes('-p') ? [] : ['--url', url()]), ...(json ? ['--json'] : [])]
        const res = await runCg(argv, {cwd: c.cwd?.()})
        expectOneError(res, c, json)
        if (c.mutates) expect(await state(), `state changed by: ${c.what}`).toEqual(before)
      })
    }
  }
}

/** A project directory with a .cg.yaml (mode 600) holding these profiles. */
function project(profiles: Record<string, Record<string, unknown>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cg-malformed-'))
  const yaml =
    'profiles:\n' +
    Object.entries(profiles)
      .map(([name, p]) => `  ${name}: ${JSON.stringify(p)}\n`)
      .join('')
  writeFileSync(join(dir, '.cg.yaml'), yaml, {mode: 0o600})
  return dir
}

const LONG_NAME = 'q'.repeat(300)
const HUGE_NAME = 'q'.repeat(10_000)
/** 200 characters, 400 bytes of UTF-8 */
const WIDE_NAME = 'é'.repeat(200)
const ESCAPES = 'evil\x1b[2J\x1b[31m\nname'

// ---------------------------------------------------------------------------------------------------
describe('Redis standalone: malformed input', () => {
  let r: Redis
  const S = uniq('malformed')
  const G = 'workers'
  const DLQ = `${S}:dlq`
  const ACL_USER = `cgtest-nosel-${randomBytes(3).toString('hex')}`
  const host = new URL(REDIS_URL).host
  const u = (rest: string) => `redis://${host}${rest}`
  let dir = ''
  let csv = ''

  beforeAll(async () => {
    r = await redis()
    await seedGroup(r, S, G, 5, ['c1', 'c2'])
    await r.xadd(DLQ, '*', 'task', 'x', 'original_id', '1-0', 'original_stream', S, 'delivery_count', '3', 'reason', 'max_deliveries_exceeded')
    // may log in and run anything but SELECT: a database other than 0 is refused to it
    await r.call('ACL', 'SETUSER', ACL_USER, 'on', `>${SECRET}`, '~*', '&*', '+@all', '-select')
    dir = project({badport: {url: `redis://cg:${SECRET}@${host.split(':')[0]}:99999`}, baddb: {url: u('/16')}})
    csv = join(dir, 'plan.csv')
    writeFileSync(csv, 'not,a,plan,at,all\n')
  })
  afterAll(async () => {
    await r.del(S, DLQ)
    await r.call('ACL', 'DELUSER', ACL_USER)
    await r.quit()
  })

  /** What any repair here could change: groups, positions, the PEL, the entries, the DLQ. */
  const state = async () => ({
    groups: await r.xinfo('GROUPS', S),
    pending: await r.xpending(S, G),
    consumers: ((await r.xinfo('CONSUMERS', S, G)) as unknown[][]).map((c) => [c[1], c[3]]),
    entries: await r.xrange(S, '-', '+'),
    dlq: await r.xrange(DLQ, '-', '+'),
  })

  const cases: Case[] = [
    // URLs
    {
      what: 'database 16 (the server has 0-15): group delete',
      args: () => ['group', 'delete', S, G, '--url', u('/16')],
      code: 2,
      names: /no database 16/,
      mutates: true,
    },
    {what: 'database 99: claim', args: () => ['claim', S, G, '--idle', '0', '--to', 'c9', '--url', u('/99')], code: 2, names: /no database 99/, mutates: true},
    {what: 'database /abc', args: () => ['group', 'delete', S, G, '--url', u('/abc')], code: 2, names: /database "abc"/, mutates: true},
    {what: 'database /-1', args: () => ['setid', S, G, '0', '--url', u('/-1')], code: 2, names: /database "-1"/, mutates: true},
    {what: 'database /1abc', args: () => ['dlq', 'purge', S, '--yes', '--url', u('/1abc')], code: 2, names: /database "1abc"/, mutates: true},
    {
      what: 'database refused by the ACL (NOPERM)',
      args: () => ['group', 'delete', S, G, '--url', `redis://${ACL_USER}:${SECRET}@${host}/2`],
      code: 69,
      names: /refused database 2/,
      mutates: true,
    },
    {
      what: 'database of a profile',
      args: () => ['consumer', 'delete', S, G, 'c1', '--force', '-p', 'baddb'],
      code: 2,
      names: /no database 16/,
      mutates: true,
      cwd: () => dir,
    },
    {what: 'port 99999', args: () => ['groups', '--url', `redis://cg:${SECRET}@127.0.0.1:99999`], code: 2, names: /port 99999 is out of range/},
    {what: 'port 99999 in a profile', args: () => ['groups', '-p', 'badport'], code: 2, names: /profile badport.*port 99999/, cwd: () => dir},
    {what: 'port not a number', args: () => ['groups', '--url', 'redis://127.0.0.1:abc'], code: 2, names: /port "abc" is not a number/},
    {what: 'no host before the port', args: () => ['groups', '--url', 'redis://:6394'], code: 2, names: /host is missing/},
    {what: 'no host at all', args: () => ['group', 'delete', S, G, '--url', 'redis://'], code: 2, names: /host is missing/, mutates: true},
    {
      what: 'malformed %-encoding in the password',
      args: () => ['groups', '--url', `redis://cg:${SECRET}%zz@${host}`],
      code: 2,
      names: /password has malformed %-encoding/,
    },
    {what: 'a ?query', args: () => ['groups', '--url', u('/0?db=3')], code: 2, names: /\?query/},
    {what: 'unknown scheme', args: () => ['groups', '--url', `mysql://cg:${SECRET}@${host}`], code: 2, names: /broker from URL scheme/},
    {
      what: 'rediss:// to a plain-text port',
      args: () => ['groups', '--url', `rediss://${host}`, '--timeout', '5000'],
      code: 69,
      names: /TLS handshake failed with .*does not speak TLS/,
    },
    // numbers and durations
    {what: 'claim --idle not a number', args: () => ['claim', S, G, '--idle', '10s', '--to', 'c9'], code: 2, names: /--idle "10s"/, mutates: true},
    {what: 'claim --idle negative', args: () => ['claim', S, G, '--idle', '-5', '--to', 'c9'], code: 2, mutates: true},
    {what: 'claim --count 0', args: () => ['claim', S, G, '--idle', '0', '--to', 'c9', '--count', '0'], code: 2, mutates: true},
    {what: 'pending --count 0', args: () => ['pending', S, G, '--count', '0'], code: 2, names: /--count/},
    {what: 'pending --count not a number', args: () => ['pending', S, G, '--count', 'ten'], code: 2, names: /--count/},
    {what: '--timeout 0', args: () => ['groups', '--timeout', '0'], code: 2, names: /--timeout/},
    {what: '--timeout past what a timer holds', args: () => ['groups', '--timeout', '99999999999999999999'], code: 2, names: /--timeout/},
    {what: 'dlq move --max-deliveries 0', args: () => ['dlq', 'move', S, G, '--max-deliveries', '0'], code: 2, mutates: true},
    {what: 'dlq replay --rate not a rate', args: () => ['dlq', 'replay', S, '--rate', 'fast'], code: 2, names: /--rate "fast"/, mutates: true},
    {what: 'dlq replay --limit 0', args: () => ['dlq', 'replay', S, '--limit', '0'], code: 2, mutates: true},
    {what: 'setid --entries-read not a number', args: () => ['setid', S, G, '0', '--entries-read', 'x'], code: 2, names: /--entries-read "x"/, mutates: true},
    {what: 'reset --by-duration not a duration', args: () => ['reset', S, G, '--by-duration', '1hour', '--execute'], code: 2, names: /1hour/, mutates: true},
    {
      what: 'reset --to-datetime not a time',
      args: () => ['reset', S, G, '--to-datetime', 'yesterday', '--execute'],
      code: 2,
      names: /yesterday/,
      mutates: true,
    },
    {what: 'reset --shift-by not a number', args: () => ['reset', S, G, '--shift-by', 'back', '--execute'], code: 2, names: /--shift-by "back"/, mutates: true},
    // ids
    {what: 'setid to a malformed id', args: () => ['setid', S, G, 'not-an-id'], code: 2, names: /not-an-id/, mutates: true},
    {what: 'pending --start not an id', args: () => ['pending', S, G, '--start', 'xyz'], code: 2, names: /xyz/},
    {what: 'dlq purge --ids not an id', args: () => ['dlq', 'purge', S, '--ids', 'nope', '--yes'], code: 2, names: /nope/, mutates: true},
    {what: 'dlq move --ids not an id', args: () => ['dlq', 'move', S, G, '--ids', '12-ab'], code: 2, names: /12-ab/, mutates: true},
    {what: 'dlq peek of an id not in the DLQ', args: () => ['dlq', 'peek', S, '1-1'], code: 5, names: /1-1/},
    // names
    {what: 'a group named with terminal escapes', args: () => ['consumers', S, ESCAPES], code: 5, names: /evil(\\x1b|\x1b)\[2J(\\x1b|\x1b)\[31m(\\n|\n)name/},
    {what: 'group delete of a group named with escapes', args: () => ['group', 'delete', S, ESCAPES], code: 5, mutates: true},
    {what: 'a stream that does not exist', args: () => ['pending', uniq('nostream'), G], code: 5},
    {what: 'consumer delete of an unknown consumer', args: () => ['consumer', 'delete', S, G, 'nobody'], code: 5, mutates: true},
    // files and profiles
    {
      what: '--config that does not exist',
      args: () => ['groups', '--config', '/nonexistent/cg.yaml', '-p', 'x'],
      code: 2,
      names: /\/nonexistent\/cg.yaml does not exist/,
    },
    {what: 'a profile that does not exist', args: () => ['groups', '-p', 'nope'], code: 5, names: /profile "nope" not found/, cwd: () => dir},
    {what: 'reset --from-file on Redis', args: () => ['reset', S, G, '--from-file', csv, '--execute'], code: 2, mutates: true},
  ]
  runTable('redis', cases, state, () => REDIS_URL)

  it('names holding control characters are shown escaped in tables and lines, raw in JSON', async () => {
    const evil = uniq(ESCAPES)
    await r.xgroup('CREATE', evil, 'g\x1b[31m\nred', '$', 'MKSTREAM')
    try {
      const plain = await runCg(['groups', evil, '--url', REDIS_URL])
      expect(plain.code, plain.stderr).toBe(0)
      expect(plain.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/)
      expect(plain.stdout).toContain('evil\\x1b[2J\\x1b[31m\\nname')
      expect(plain.stdout).toContain('g\\x1b[31m\\nred')
      const json = await runCg(['groups', evil, '--url', REDIS_URL, '--json'])
      expect(json.json().groups[0]).toMatchObject({sources: [evil], group: 'g\x1b[31m\nred'})
    } finally {
      await r.del(evil)
    }
  })

  it.each([false, true])('a reader that closes the pipe (cg ... | head) ends cg quietly with exit 0 (--json %s)', async (json) => {
    const big = uniq('pipe')
    await seedGroup(r, big, G, 20_000, ['c1'])
    try {
      const child = spawn(process.execPath, [BIN, 'pending', big, G, '--all', '--url', REDIS_URL, ...(json ? ['--json'] : [])], {
        cwd: '/tmp',
        env: cgEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (d) => (stderr += d))
      // read the first chunk, then go away as head does
      child.stdout.once('data', () => child.stdout.destroy())
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
      expect(stderr).toBe('')
      expect(code).toBe(0)
    } finally {
      await r.del(big)
    }
  })
})

// ---------------------------------------------------------------------------------------------------
describe('Kafka 4.x: malformed input', () => {
  const admin = kafkaAdmin()
  const T = kname('malformed')
  const DLQ = `${T}.dlq`
  const G = kname('group')
  let dir = ''
  let badCsv = ''

  beforeAll(async () => {
    await createTopic(admin, T, 2)
    await createTopic(admin, DLQ, 1)
    await produce(KAFKA.bootstrap, T, 10, 2)
    await produce(KAFKA.bootstrap, DLQ, 3, 1)
    await commitOffsets(admin, G, {[T]: [2, 3]})
    dir = project({})
    badCsv = join(dir, 'plan.csv')
    writeFileSync(badCsv, `${T},zero,5\n`)
  })
  afterAll(async () => {
    await deleteGroups(admin, [G, `cg-replay.${DLQ}`])
    await deleteTopics(admin, [T, DLQ])
    await admin.close()
  })

  const ends = async (topic: string, partitions: number) =>
    (
      await admin.listOffsets({topics: [{name: topic, partitions: Array.from({length: partitions}, (_, p) => ({partitionIndex: p, timestamp: -1n}))}]})
    )[0].partitions.map((p) => String(p.offset))
  const offsets = async (group: string) =>
    ((await admin.listConsumerGroupOffsets({groups: [group]}))[0]?.topics ?? [])
      .flatMap((t) => t.partitions.map((p) => `${t.name}:${p.partitionIndex}=${p.committedOffset}`))
      .sort()
  /** What any repair here could change: committed offsets, the replay group's progress, both topics' ends. */
  const state = async () => ({
    group: await offsets(G),
    replay: await offsets(`cg-replay.${DLQ}`),
    topic: await ends(T, 2),
    dlq: await ends(DLQ, 1),
    groups: [...(await admin.listGroups()).keys()].filter((g) => g === G),
  })

  const cases: Case[] = [
    // URLs
    {
      what: 'port not a number',
      args: () => ['reset', G, '--topic', T, '--to-earliest', '--execute', '--url', 'kafka://127.0.0.1:notaport'],
      code: 2,
      names: /port "notaport" is not a number/,
      mutates: true,
    },
    {what: 'port 99999', args: () => ['groups', '--url', 'kafka://127.0.0.1:99999'], code: 2, names: /port 99999 is out of range/},
    {what: 'second broker without a host', args: () => ['groups', '--url', 'kafka://127.0.0.1:9092,:9093'], code: 2, names: /host is missing/},
    {what: 'no host', args: () => ['groups', '--url', 'kafka://'], code: 2, names: /host is missing/},
    {what: 'a path', args: () => ['groups', '--url', 'kafka://127.0.0.1:9092/prod'], code: 2, names: /no path/},
    {
      what: 'malformed %-encoding in the password',
      args: () => ['groups', '--url', `kafka://cg:${SECRET}%G1@127.0.0.1:9092`],
      code: 2,
      names: /password has malformed/,
    },
    {
      what: 'a URL user without a password',
      args: () => ['groups', '--url', 'kafka://cg@127.0.0.1:9092'],
      code: 2,
      names: /SASL PLAIN needs a username and a password/,
    },
    {
      what: 'kafkas:// to a plain-text port',
      args: () => ['group', 'delete', G, '--url', 'kafkas://127.0.0.1:9092'],
      code: 69,
      names: /TLS handshake failed with 127.0.0.1:9092: the server does not speak TLS/,
      mutates: true,
    },
    // numbers, durations, ids
    {
      what: 'reset --to-offset not a number',
      args: () => ['reset', G, '--topic', T, '--to-offset', 'abc', '--execute'],
      code: 2,
      names: /--to-offset "abc"/,
      mutates: true,
    },
    {
      what: 'reset --shift-by not a number',
      args: () => ['reset', G, '--topic', T, '--shift-by', 'x', '--execute'],
      code: 2,
      names: /--shift-by "x"/,
      mutates: true,
    },
    {
      what: 'reset --by-duration not a duration',
      args: () => ['reset', G, '--topic', T, '--by-duration', 'PT1X', '--execute'],
      code: 2,
      names: /PT1X/,
      mutates: true,
    },
    {
      what: 'reset --to-datetime not a time',
      args: () => ['reset', G, '--topic', T, '--to-datetime', 'noon', '--execute'],
      code: 2,
      names: /noon/,
      mutates: true,
    },
    {
      what: 'reset --topic with a partition that is not a number',
      args: () => ['reset', G, '--topic', `${T}:x`, '--to-earliest', '--execute'],
      code: 2,
      mutates: true,
    },
    {what: 'offsets delete --topic with a bad partition list', args: () => ['offsets', 'delete', G, '--topic', `${T}:0,,b`], code: 2, mutates: true},
    {what: 'lag --window not a duration', args: () => ['lag', G, '--window', '5 parsecs'], code: 2, names: /5 parsecs/},
    {what: 'lag --samples 1', args: () => ['lag', G, '--window', '2s', '--samples', '1'], code: 2, names: /--samples/},
    {what: 'dlq list --count 0', args: () => ['dlq', 'list', T, '--count', '0'], code: 2, names: /--count/},
    {what: 'dlq replay --rate 0', args: () => ['dlq', 'replay', T, '--rate', '0'], code: 2, names: /--rate "0"/, mutates: true},
    {what: 'dlq peek PARTITION:OFFSET not numbers', args: () => ['dlq', 'peek', T, '0:abc'], code: 2, names: /0:abc/},
    {what: 'dlq peek of a record that is not there', args: () => ['dlq', 'peek', T, '0:999999'], code: 5, names: /offset 999999/},
    // files
    {
      what: 'reset --from-file that does not exist',
      args: () => ['reset', G, '--from-file', '/nonexistent/plan.csv', '--execute'],
      code: 2,
      names: /--from-file "\/nonexistent\/plan.csv": no such file/,
      mutates: true,
    },
    {what: 'reset --from-file that is a directory', args: () => ['reset', G, '--from-file', dir, '--execute'], code: 2, names: /is a directory/, mutates: true},
    {what: 'reset --from-file with a malformed line', args: () => ['reset', G, '--from-file', badCsv, '--execute'], code: 2, names: /line 1/, mutates: true},
    // names
    {what: 'a group that does not exist', args: () => ['group', 'delete', kname('nogroup')], code: 5, mutates: true},
    {
      what: 'a --topic that is not a topic name',
      args: () => ['reset', G, '--topic', 'bad topic!', '--to-earliest', '--execute'],
      code: 2,
      names: /not a Kafka topic name/,
      mutates: true,
    },
    {
      what: 'a --topic of 300 characters',
      args: () => ['offsets', 'delete', G, '--topic', 't'.repeat(300)],
      code: 2,
      names: /300 characters long/,
      mutates: true,
    },
    {what: 'a --to topic that is not a topic name', args: () => ['dlq', 'replay', T, '--to', 'a/b'], code: 2, names: /--to "a\/b"/, mutates: true},
    {what: 'a group name of 40,000 bytes', args: () => ['consumers', 'g'.repeat(40_000)], code: 2, names: /40000 bytes long/},
    {what: 'an empty --topic', args: () => ['offsets', 'delete', G, '--topic', ''], code: 2, names: /--topic/, mutates: true},
    {what: 'a group named with terminal escapes', args: () => ['pending', ESCAPES], code: 5, names: /evil(\\x1b|\x1b)\[2J/},
    {what: 'a DLQ topic that does not exist', args: () => ['dlq', 'peek', '--dlq', kname('nodlq')], code: 5},
    {what: 'pending --count (no meaning on Kafka)', args: () => ['pending', G, '--count', '0'], code: 2},
  ]
  runTable('kafka', cases, state, () => KAFKA.url)
})

// ---------------------------------------------------------------------------------------------------
describe('RabbitMQ: malformed input', () => {
  const rmq = useRabbit()
  const URL = `amqp://guest:guest@${RABBIT_HOST}:5672`
  let src = ''
  let dlq = ''
  let noPerm = {user: '', password: ''}
  let dir = ''

  beforeAll(async () => {
    ;({source: src, dlq} = await rmq.dlxSetup())
    for (let i = 0; i < 3; i++) rmq.ch.sendToQueue(dlq, Buffer.from(`dead ${i}`), {messageId: `m-${i}`})
    for (let i = 0; i < 2; i++) rmq.ch.sendToQueue(src, Buffer.from(`live ${i}`))
    await rmq.ch.checkQueue(src)
    // may use the management API, has no permissions on any vhost
    noPerm = await rmq.user(['management'], SECRET)
    await mgmt('DELETE', `permissions/%2F/${enc(noPerm.user)}`)
    dir = project({
      amqps: {url: `amqps://guest:guest@${RABBIT_HOST}:5672`, management: `http://${RABBIT_HOST}:15672`},
      mgmttls: {url: `amqp://guest:guest@${RABBIT_HOST}:5672`, management: `https://${RABBIT_HOST}:15672`},
      longvhost: {url: `amqp://guest:guest@${RABBIT_HOST}:5672/${'v'.repeat(256)}`},
    })
  })

  /** What any repair here could change: the queues' messages and consumers. */
  const state = async () => {
    const q = async (name: string) => ((x) => ({ready: x.messageCount, consumers: x.consumerCount}))(await rmq.ch.checkQueue(name))
    return {src: await q(src), dlq: await q(dlq)}
  }

  const cases: Case[] = [
    // URLs
    {
      what: 'port 99999',
      args: () => ['dlq', 'purge', dlq, '--yes', '--url', `amqp://guest:${SECRET}@${RABBIT_HOST}:99999`],
      code: 2,
      names: /port 99999 is out of range/,
      mutates: true,
    },
    {what: 'port not a number', args: () => ['groups', '--url', `amqp://guest:guest@${RABBIT_HOST}:abc`], code: 2, names: /port "abc"/},
    {
      what: 'malformed %-encoding in the vhost',
      args: () => ['dlq', 'purge', dlq, '--yes', '--url', `${URL}/%zz`],
      code: 2,
      names: /vhost has malformed %-encoding/,
      mutates: true,
    },
    {
      what: 'malformed %-encoding in the password',
      args: () => ['groups', '--url', `amqp://guest:${SECRET}%@${RABBIT_HOST}:5672`],
      code: 2,
      names: /password has malformed/,
    },
    {what: 'no host', args: () => ['groups', '--url', 'amqp://'], code: 2, names: /host is missing/},
    {what: 'a vhost over 255 bytes', args: () => ['groups', '-p', 'longvhost'], code: 2, names: /vhost .* 256 bytes/, cwd: () => dir},
    {
      what: 'amqps:// to a plain-text port',
      args: () => ['claim', src, '--idle', '0', '-p', 'amqps'],
      code: 69,
      names: /TLS handshake failed with 127.0.0.1:5672: the server does not speak TLS/,
      mutates: true,
      cwd: () => dir,
    },
    {
      what: 'an https:// management API on a plain-text port',
      args: () => ['dlq', 'purge', dlq, '--yes', '-p', 'mgmttls'],
      code: 69,
      names: /TLS handshake failed with 127.0.0.1:15672/,
      mutates: true,
      cwd: () => dir,
    },
    // names
    {what: 'a queue name of 300 bytes', args: () => ['pending', LONG_NAME], code: 2, names: /300 bytes long/},
    {what: 'a queue name of 10 KB', args: () => ['dlq', 'purge', HUGE_NAME, '--yes'], code: 2, names: /10000 bytes long/, mutates: true},
    {what: 'a queue name of 200 characters, 400 bytes', args: () => ['consumers', WIDE_NAME], code: 2, names: /400 bytes long/},
    {what: 'a --to-exchange over 255 bytes', args: () => ['dlq', 'replay', dlq, '--to-exchange', LONG_NAME], code: 2, names: /--to-exchange/, mutates: true},
    {what: 'a --routing-key over 255 bytes', args: () => ['dlq', 'replay', dlq, '--routing-key', LONG_NAME], code: 2, names: /--routing-key/, mutates: true},
    {what: 'a queue named with terminal escapes', args: () => ['pending', ESCAPES], code: 5, names: /evil(\\x1b|\x1b)\[2J/},
    {what: 'a queue that does not exist', args: () => ['dlq', 'purge', uniq('noqueue'), '--yes'], code: 5, mutates: true},
    {what: 'consumer delete of an unknown tag', args: () => ['consumer', 'delete', src, 'no-such-tag'], code: 5, mutates: true},
    // ids
    {what: 'dlq peek of a message id not in the DLQ', args: () => ['dlq', 'peek', dlq, 'unknown-id'], code: 5, names: /unknown-id/, mutates: true},
    // numbers
    {what: 'claim --idle not a number', args: () => ['claim', src, '--idle', 'soon'], code: 2, names: /--idle "soon"/, mutates: true},
    {what: 'dlq replay --rate not a rate', args: () => ['dlq', 'replay', dlq, '--rate', '5/h'], code: 2, names: /--rate "5\/h"/, mutates: true},
    {what: 'dlq replay --limit 0', args: () => ['dlq', 'replay', dlq, '--limit', '0'], code: 2, mutates: true},
    {what: 'dlq replay --where without =', args: () => ['dlq', 'replay', dlq, '--where', 'reason'], code: 2, names: /--where "reason"/, mutates: true},
    {what: 'pending --count 0 (no meaning on RabbitMQ)', args: () => ['pending', src, '--count', '0'], code: 2},
    // permissions
    {
      what: 'a management user without permissions on the vhost',
      args: () => ['pending', src, '--url', `amqp://${noPerm.user}:${noPerm.password}@${RABBIT_HOST}:5672`],
      code: 4,
      names: /no permissions on vhost \/ /,
    },
  ]
  runTable('rabbitmq', cases, state, () => URL)
})
