// waitGone (the wait after closing a consumer's connection): a server error about the closing connection is asked
// again, a 404 means it is gone, anything else stops the wait. The management API's answers are scripted here:
// the race (HTTP 500 while the connection closes) cannot be produced on demand by the real broker.
import {describe, expect, it} from 'vitest'
import {waitGone} from '../../src/brokers/rabbitmq/rabbitmq-connection-plan.js'
import {isServerError} from '../../src/brokers/rabbitmq/rabbitmq-management.js'
import type {RabbitAdapter} from '../../src/brokers/rabbitmq/rabbitmq-types.js'
import {CgError} from '../../src/errors/cg-error.js'

const http = (status: number) =>
  status === 404
    ? new CgError('not_found', 'not found: /api/connections/x')
    : new CgError('unexpected', `RabbitMQ management API GET /api/connections/x: HTTP ${status}`, undefined, {cause: {httpStatus: status}})

function adapter(answers: Array<number | 'open'>): {a: RabbitAdapter; asked: () => number} {
  let i = 0
  const a = {
    management: () => ({
      get: async () => {
        const answer = answers[Math.min(i++, answers.length - 1)]
        if (answer === 'open') return {name: 'x'}
        throw http(answer)
      },
    }),
  } as unknown as RabbitAdapter
  return {a, asked: () => i}
}

describe('rabbitmq waitGone', () => {
  it('a 500 while the connection closes is asked again; the 404 after it is "gone"', async () => {
    const {a, asked} = adapter(['open', 500, 404])
    expect(await waitGone(a, 'x', 5000)).toBe(true)
    expect(asked()).toBe(3)
  })

  it('another error stops the wait', async () => {
    const {a} = adapter([403])
    await expect(waitGone(a, 'x', 5000)).rejects.toThrow(/HTTP 403/)
  })

  it('still open when the time is up: false', async () => {
    const {a} = adapter(['open'])
    expect(await waitGone(a, 'x', 250)).toBe(false)
  })

  it('isServerError: 5xx answers only', () => {
    expect(isServerError(http(500))).toBe(true)
    expect(isServerError(http(503))).toBe(true)
    expect(isServerError(http(403))).toBe(false)
    expect(isServerError(http(404))).toBe(false)
    expect(isServerError(new Error('HTTP 500'))).toBe(false)
  })
})
