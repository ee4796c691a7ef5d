// Dead-letter queues: list, peek, move, replay, purge. Plain data in and out.
export interface DlqOps {}
