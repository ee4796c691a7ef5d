import {randomBytes} from 'node:crypto'
import type {Redis} from 'ioredis'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type CliResult, runCg} from '../../helpers/cli.js'
import {redis} from '../../helpers/redis.js'

// Read-only ACL users on the standalone Redis: every read command works, every repair is refused with exit 4
// naming the command the user may not run, and the keys are byte for byte what they were (DUMP before and
// after). Two users: one without scripting (cg's Lua is refused at the door) and one with it (cg's scripts
// check the user's permissions before they write: redis.acl_check_cmd).
const HOST = '127.0.0.1:6379'
const tag = randomBytes(4).toString('hex')
const S = `cgtest:acl:${tag}`
const DLQ = `${S}:dlq`
const password = `ro-${randomBytes(8).toString('hex')}`
const USERS = {
  'read-only': {name: `cgtest-ro-${tag}`, rules: ['+@read', '+@connection']},
  'read-only with scripting': {name: `cgtest-ros-${tag}`, rules: ['+@read', '+@connection', '+@scripting']},
}
type Who = keyof typeof USERS
const url = (who: Who, pw = password) => `redis://${USERS[who].name}:${pw}@${HOST}`

let r: Redis
let dlqIds: string[] = []

/** Every key of this test (the stream, its DLQ, any journal a repair would have made), DUMPed. */
async function snapshot(): Promise<Record<string, string>> {
  const keys = ((await r.keys(`*${tag}*`)) as string[]).sort()
  const out: Record<string, string> = {}
  for (const k of keys) out[k] = ((await r.dumpBuffer(k)) ?? Buffer.alloc(0)).toString('hex')
  return out
}

/** The same, readable: lengths, groups, the PEL (id, owner, deliveries) and the consumers (idle times left out). */
async function readable(): Promise<unknown> {
  const pel = (await r.xpending(S, 'workers', '-', '+', 100)) as Array<[string, string, number, number]>
  const consumers = (await r.xinfo('CONSUMERS', S, 'workers')) as string[][]
  return {
    xlen: [await r.xlen(S), await r.xlen(DLQ)],
    groups: await r.xinfo('GROUPS', S),
    pending: pel.map(([id, owner, , deliveries]) => [id, owner, deliveries]),
    consumers: consumers.map((c) => [c[1], c[3]]),
    dlq: await r.xrange(DLQ, '-', '+'),
  }
}

beforeAll(async () => {
  r = await redis()
  for (const {name, rules} of Object.values(USERS)) await r.call('ACL', 'SETUSER', name, 'reset', 'on', `>${password}`, '~*', 'resetchannels', ...rules)
  for (let i = 0; i < 10; i++) await r.xadd(S, '*', 'n', String(i))
  await r.xgroup('CREATE', S, 'workers', '0')
  await r.xgroup('CREATE', S, 'spare', '$')
  await r.xreadgroup('GROUP', 'workers', 'c1', 'COUNT', 4, 'STREAMS', S, '>')
  await r.xreadgroup('GROUP', 'workers', 'c2', 'COUNT', 2, 'STREAMS', S, '>')
  await r.call('XGROUP', 'CREATECONSUMER', S, 'workers', 'idle')
  dlqIds = [
    String(await r.xadd(DLQ, '*', 'n', 'x', 'original_id', '1-1', 'original_stream', S, 'original_group', 'workers', 'reason', 'test')),
    String(await r.xadd(DLQ, '*', 'n', 'y', 'original_id', '1-2', 'original_stream', S, 'original_group', 'workers', 'reason', 'test')),
  ]
  // the entries must be idle a moment for --idle / --min-idle 0 to pick them (they are: 0 ms is enough)
})

afterAll(async () => {
  await r?.call('ACL', 'DELUSER', ...Object.values(USERS).map((u) => u.name))
  const keys = await r?.keys(`*${tag}*`)
  if (keys?.length) await r.del(...keys)
  await r?.quit()
})

describe.each(Object.keys(USERS) as Who[])('a %s ACL user', (who) => {
  let before: Record<string, string>
  let shown: unknown

  beforeAll(async () => {
    before = await snapshot()
    shown = await readable()
  })

  describe('every read works', () => {
    it.each<[string, string[], (res: CliResult) => void]>([
      [
        'groups',
        ['groups', '--json'],
        (res) => expect(res.json().groups).toEqual(expect.arrayContaining([expect.objectContaining({sources: [S], group: 'workers', pending: 6})])),
      ],
      ['groups STREAM', ['groups', S, '--json'], (res) => expect(res.json().groups).toHaveLength(2)],
      ['consumers', ['consumers', S, 'workers', '--json'], (res) => expect(JSON.stringify(res.json())).toMatch(/"c1".*"c2".*"idle"|"idle"|c1/)],
      ['pending', ['pending', S, 'workers', '--json'], (res) => expect(res.json()).toMatchObject({sources: [S], group: 'workers', pending: 6})],
      ['lag', ['lag', 'workers', '--stream', S, '--json'], (res) => expect(JSON.stringify(res.json())).toContain('"lag":4')],
      ['check', ['check', S, 'workers', '--lag', '100'], (res) => expect(res.stdout).toMatch(/^CG OK/)],
      ['metrics', ['metrics', S, 'workers'], (res) => expect(res.stdout).toMatch(/cg_group_lag\{.*\} 4/)],
      ['dlq list', ['dlq', 'list', S, '--json'], (res) => expect(JSON.stringify(res.json())).toContain(dlqIds[0])],
      ['dlq peek', ['dlq', 'peek', S, 'ID1', '--json'], (res) => expect(JSON.stringify(res.json())).toContain(dlqIds[1])],
      ['claim --dry-run', ['claim', S, 'workers', '--idle', '0', '--to', 'c9', '--dry-run', '--json'], () => undefined],
      ['reset (a plan)', ['reset', S, 'workers', '--to-earliest', '--json'], () => undefined],
      ['group delete --dry-run', ['group', 'delete', S, 'spare', '--dry-run'], () => undefined],
      ['dlq move --dry-run', ['dlq', 'move', S, 'workers', '--min-idle', '0', '--dry-run'], () => undefined],
      ['dlq replay --dry-run', ['dlq', 'replay', S, '--dry-run'], () => undefined],
      ['dlq purge --dry-run', ['dlq', 'purge', S, '--dry-run'], () => undefined],
      ['profiles test', ['profiles', 'test', '--url', 'X'], () => undefined],
    ])('%s', async (_what, args, check) => {
      const argv = args.includes('X') ? ['profiles', 'test', '--url', url(who)] : [...args.map((a) => (a === 'ID1' ? dlqIds[1] : a)), '--url', url(who)]
      const res = await runCg(argv)
      expect(res.code, res.stderr + res.stdout).toBe(0)
      expect(res.stderr, 'nothing on stderr (no ioredis warning about INFO)').toBe('')
      check(res)
      expect(res.stdout + res.stderr).not.toContain(password)
    })
  })

  describe('every repair is refused with exit 4 naming what the user may not run, and nothing changes', () => {
    it.each<[string, string[], RegExp]>([
      ['claim', ['claim', S, 'workers', '--idle', '0', '--to', 'c9'], /XAUTOCLAIM/],
      ['claim --from', ['claim', S, 'workers', '--idle', '0', '--to', 'c9', '--from', 'c1'], /XCLAIM/],
      ['setid', ['setid', S, 'workers', '0'], /XGROUP SETID/],
      ['reset --execute', ['reset', S, 'workers', '--to-earliest', '--execute'], /XGROUP SETID/],
      ['consumer delete (idle)', ['consumer', 'delete', S, 'workers', 'idle'], /XGROUP DELCONSUMER|EVAL|SCRIPT/],
      ['consumer delete --force', ['consumer', 'delete', S, 'workers', 'c1', '--force'], /XGROUP DELCONSUMER/],
      ['consumer delete --handoff', ['consumer', 'delete', S, 'workers', 'c1', '--handoff', 'c2'], /XCLAIM/],
      ['group delete', ['group', 'delete', S, 'spare'], /XGROUP DESTROY|EVAL|SCRIPT/],
      ['group delete --force', ['group', 'delete', S, 'workers', '--force'], /XGROUP DESTROY|EVAL|SCRIPT/],
      ['group create', ['group', 'create', S, 'more'], /XGROUP CREATE/],
      ['dlq move', ['dlq', 'move', S, 'workers', '--min-idle', '0'], /XADD|XACK|EVALSHA|SCRIPT LOAD/],
      ['dlq replay', ['dlq', 'replay', S], /XADD|XDEL|EVALSHA|SCRIPT LOAD/],
      ['dlq purge --ids', ['dlq', 'purge', S, '--yes', '--ids', 'ID0'], /XDEL/],
      ['dlq purge (all)', ['dlq', 'purge', S, '--yes'], /XTRIM/],
    ])('%s', async (_what, args, command) => {
      const argv = args.map((a) => (a === 'ID0' ? dlqIds[0] : a))
      const res = await runCg([...argv, '--url', url(who)])
      expect(res.code, res.stderr + res.stdout).toBe(4)
      const error = res.stderr.split('\n').filter((l) => l.startsWith('Error: '))
      expect(error, res.stderr).toHaveLength(1)
      expect(error[0]).toMatch(/^Error: Redis refused .*: the ACL user may not run/)
      expect(error[0]).toMatch(command)
      expect(res.stderr).toMatch(/^Hint: .*(ACL SETUSER|a profile whose user may)/m)
      expect(res.stderr).not.toMatch(/\n\s+at /) // no stack
      expect(res.stdout + res.stderr).not.toContain(password)
      expect(await snapshot()).toEqual(before)
    })

    it('--json: the refusal as {"error": {code, message, hint}}', async () => {
      const res = await runCg(['setid', S, 'workers', '0', '--url', url(who), '--json'])
      expect(res.code).toBe(4)
      expect(res.json().error).toMatchObject({message: expect.stringMatching(/XGROUP SETID/), hint: expect.stringMatching(/ACL SETUSER/)})
    })

    it('the stream, its groups, PEL and DLQ are what they were', async () => {
      expect(await readable()).toEqual(shown)
      expect(await snapshot()).toEqual(before)
    })
  })

  it('a wrong password: exit 69, authentication failed', async () => {
    const res = await runCg(['groups', '--url', url(who, 'not-the-password')])
    expect(res.code).toBe(69)
    expect(res.stderr).toMatch(/^Error: authentication failed/)
    expect(res.stderr).not.toContain('not-the-password')
  })
})
