// When a RabbitMQ replay's messages land: seeds a DLQ as the rabbitmq-dlq row does, runs one side (cg's replay
// or the management "Move messages" shovel) and polls the target queue's depth every 10 ms (passive declares
// on a connection of its own), printing when its 1st, 10,000th, 50,000th, 90,000th and last message was there,
// when the side's process exited, and how long the depth stood still in between. With --mailboxes it also
// samples the broker's longest message queues during each run (`rabbitmqctl eval`, recon, every 20 ms for
// 3 s): the process a replay waits on has the longest. Not a bench row: a probe for docs/benchmarks.md.
// usage: node bench/rabbitmq-replay-timeline.js [--mailboxes] [cg|cg:VARIANT|shovel ...]
//   cg:VARIANT runs cg with CGX=VARIANT in its environment (only bench/experiments/*.patch read it)
import {spawn} from 'node:child_process'
import amqp from 'amqplib'
import {AMQP_URL, drop, replaySide, seed} from './benchmarks/rabbitmq-dlq.js'
import {cleanEnv} from './lib/proc.js'
import {median} from './lib/stats.js'

const N = Number(process.env.N ?? 100_000)
const args = process.argv.slice(2)
const mailboxes = args.includes('--mailboxes')
const sides = args.filter((a) => a !== '--mailboxes')
if (!sides.length) sides.push('cg', 'shovel', 'cg', 'shovel')
const MARKS = [1, 10_000, 50_000, 90_000, N]

// the 8 longest mailboxes, 150 times 20 ms apart; per process: mean length over all samples, samples in the
// top 8, longest seen, and what the process is (its $initial_call / process_name)
const SAMPLER = `
NameOf = fun(P) -> case process_info(P, dictionary) of
    undefined -> dead;
    {dictionary, D} -> proplists:get_value(process_name, D, proplists:get_value('$initial_call', D)) end end,
Loop = fun L(0, Acc) -> Acc;
           L(K, Acc) ->
             Acc2 = lists:foldl(fun({P, Len, _}, A) ->
                 {S, C, Mx, Nm} = maps:get(P, A, {0, 0, 0, undefined}),
                 maps:put(P, {S + Len, C + 1, max(Mx, Len), case Nm of undefined -> NameOf(P); _ -> Nm end}, A)
               end, Acc, recon:proc_count(message_queue_len, 8)),
             timer:sleep(20), L(K - 1, Acc2) end,
R = lists:reverse(lists:keysort(1, [{S / 150, C, Mx, Nm} || {_, {S, C, Mx, Nm}} <- maps:to_list(Loop(150, #{}))])),
[io:format("    mean ~6.1f  in top 8 ~3b/150  max ~5b  ~0p~n", [S, C, Mx, Nm]) || {S, C, Mx, Nm} <- lists:sublist(R, 6)],
ok.`

const conn = await amqp.connect(AMQP_URL)
const ch = await conn.createChannel()
const poll = await (await amqp.connect(AMQP_URL)).createChannel()
const exits = {}
try {
  for (const [i, side] of sides.entries()) {
    const s = await seed(conn, ch, `tl${process.pid}-${i}`, N, [])
    const at = {}
    let stillMs = 0
    let exited = null
    const t0 = performance.now()
    const child = spawn(process.execPath, replaySide(side.split(':')[0], s, N), {
      env: cleanEnv({CGX: side.split(':')[1] ?? ''}),
      cwd: '/tmp',
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    child.on('exit', () => {
      exited = performance.now() - t0
    })
    let sampler
    if (mailboxes) {
      sampler = spawn('rabbitmqctl', ['eval', SAMPLER], {stdio: ['ignore', 'pipe', 'inherit']})
      sampler.out = ''
      sampler.stdout.on('data', (b) => {
        sampler.out += b
      })
    }
    let last = [0, 0]
    while (exited === null) {
      const d = (await poll.checkQueue(s.target)).messageCount
      const t = performance.now() - t0
      for (const m of MARKS) if (d >= m && !(m in at)) at[m] = Math.round(t)
      if (d === last[1] && d > 0 && d < N) stillMs += t - last[0]
      last = [t, d]
      await new Promise((r) => setTimeout(r, 10))
    }
    if (!exits[side]) exits[side] = []
    exits[side].push(exited)
    const marks = MARKS.map((m) => `${m.toLocaleString('en')}: ${at[m] ?? '-'}`).join(', ')
    console.log(`${side.padEnd(12)} ms after start, target depth ${marks}; exit ${Math.round(exited)}; depth still ${Math.round(stillMs)}`)
    if (sampler) {
      if (sampler.exitCode === null) await new Promise((r) => sampler.on('exit', r))
      console.log(sampler.out.replace(/\nok\n?$/, ''))
    }
    await drop(ch, s)
  }
} finally {
  await poll.connection.close()
  await conn.close()
}
for (const [side, ms] of Object.entries(exits)) console.log(`${side.padEnd(12)} median exit ${Math.round(median(ms))} ms over ${ms.length}`)
