import {describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {expectValid} from '../../helpers/schemas.js'

// Where a broker has no such thing, the command says so and exits 4; it never pretends.
const CASES: Array<{url: string; args: string[]; says: RegExp}> = [
  {url: 'kafka://127.0.0.1:9092', args: ['setid', 'orders', 'billing', '0'], says: /--to-offset/},
  {url: 'kafka://127.0.0.1:9092', args: ['group', 'create', 'orders', 'billing'], says: /reset/},
  {url: 'kafka://127.0.0.1:9092', args: ['dlq', 'move', 'orders', 'billing', '--min-idle', '0'], says: /dlq replay/},
  {url: 'kafka://127.0.0.1:9092', args: ['claim', 'orders', 'billing', '--idle', '60000'], says: /consumer delete/},
  {url: 'amqp://guest:guest@127.0.0.1:5672', args: ['setid', 'tasks', 'workers', '0'], says: /no consumer position/},
  {url: 'amqp://guest:guest@127.0.0.1:5672', args: ['group', 'create', 'tasks', 'workers'], says: /never declares/},
  {url: 'amqp://guest:guest@127.0.0.1:5672', args: ['group', 'delete', 'tasks', 'workers'], says: /never deletes/},
  {url: 'amqp://guest:guest@127.0.0.1:5672', args: ['dlq', 'move', 'tasks', 'workers', '--min-idle', '0'], says: /dlq replay/},
  {url: 'amqp://guest:guest@127.0.0.1:5672', args: ['offsets', 'delete', 'workers', '--topic', 't'], says: /Kafka notion/},
  {url: 'redis://127.0.0.1:6379', args: ['offsets', 'delete', 'workers', '--topic', 't'], says: /Kafka notion/},
]

describe('commands a broker has no meaning for', () => {
  for (const c of CASES) {
    it(`${c.url.split(':')[0]}: cg ${c.args.slice(0, 2).join(' ')} exits 4 and says what to use instead`, async () => {
      const r = await runCg([...c.args, '--url', c.url])
      expect(r.code).toBe(4)
      expect(r.stderr).toMatch(/not possible on (kafka|rabbitmq|redis)/i)
      expect(r.stderr).toMatch(c.says)
      expect(r.stdout).toBe('')
      const j = await runCg([...c.args, '--url', c.url, '--json'])
      expect(j.code).toBe(4)
      const doc = j.json()
      expectValid('error.json', doc)
      expect(doc.error.code).toBe('unsupported')
      expect(doc.error.hint).toMatch(c.says)
    })
  }
})
