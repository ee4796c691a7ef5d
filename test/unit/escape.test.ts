import {PassThrough} from 'node:stream'
import {Chalk} from 'chalk'
import {describe, expect, it} from 'vitest'
import {escapeControl} from '../../src/output/escape.js'
import {Ui} from '../../src/output/ui.js'

const EVIL = 'orders\x1b[2J\x1b[31m\nnext\tline\x07\x9b'

async function rendered(colorLevel: 0 | 1, draw: (ui: Ui) => Promise<void>): Promise<string> {
  const out = new PassThrough()
  let text = ''
  out.on('data', (d) => (text += d))
  const ui = new Ui(new Chalk({level: colorLevel}), out)
  await draw(ui)
  await ui.flush()
  return text
}

describe('control characters in human output', () => {
  it('escapeControl shows C0, DEL and C1 characters as visible escapes', () => {
    expect(escapeControl(EVIL)).toBe('orders\\x1b[2J\\x1b[31m\\nnext\\tline\\x07\\x9b')
    expect(escapeControl('plain text, ünïcode')).toBe('plain text, ünïcode')
  })

  it.each([0, 1] as const)("lines, kv, tables and rows escape the data and keep cg's own colors (color level %s)", async (level) => {
    const text = await rendered(level, async (ui) => {
      await ui.line(`group ${EVIL} deleted`)
      await ui.line(ui.color.yellow(`warning about ${EVIL}`))
      await ui.kv([[EVIL, EVIL]])
      await ui.table([{header: 'NAME', get: (r: string) => r}], [EVIL])
      await ui.rows(
        [{header: 'NAME', get: (r: string) => r}],
        (async function* () {
          yield EVIL
        })(),
      )
    })
    // nothing of the data reaches the terminal raw: no clear screen, no recoloring, no bell, no line break
    expect(text).not.toContain('\x1b[2J')
    expect(text).not.toContain('\x1b[31m')
    expect(text).not.toMatch(/[\x07\x9b\t]/)
    expect(text).not.toContain('\nnext')
    expect(text.split('orders\\x1b[2J\\x1b[31m\\nnext\\tline\\x07\\x9b').length).toBeGreaterThanOrEqual(6)
    // cg's yellow survives (as an escape code) only when colors are on
    expect(text.includes('\x1b[33m')).toBe(level === 1)
  })
})
