import type {Ui} from './ui.js'

/** How a result reads in a terminal: written through the Ui (one table style, redaction, escaping). */
// biome-ignore lint/suspicious/noExplicitAny: each broker's views take that broker's result shape
export type HumanView<T = any> = (data: T, ui: Ui) => Promise<void> | void
