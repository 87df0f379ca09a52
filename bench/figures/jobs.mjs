import { createServer } from 'node:http';
import { now, sleep } from '../lib/env.mjs';
import { startInboxServer } from '../lib/processes.mjs';
import { api, expectOk, loginAdmin, serverEnv } from '../lib/api.mjs';
import { summary } from '../lib/stats.mjs';
import { cpuMeter } from '../lib/cpu.mjs';
import { withClient } from '../lib/database.mjs';
import { startFakeTelegram } from '../lib/fake-telegram.mjs';

/** The webhook queue's workers per replica (apps/server/src/webhooks/webhook-dispatcher.service.ts). */
const WORKERS = 4;
/** The Bot API's getFile answer time in the intake measurement, and how many Telegram inboxes share the intake. */
const GET_FILE_MS = 50;
const INTAKE_INBOXES = 8;
const round = (x) => +x.toFixed(2);

/**
 * Figure: durable jobs (libs/core/src/jobs/job-queue.ts), through event webhooks, each delivery a
 * pg-boss job like an outbound send or a channel webhook's ingest. A receiver on 127.0.0.1
 * subscribes to `message.created`. Measured: what an idle server spends on its job workers; an
 * API-channel message at a time, from its POST to its delivery (a job's pickup with the queue
 * idle); a burst of messages posted at once, deliveries a second until the last (a queue's
 * drain); a customer's three messages posted 5 ms apart, to the delivery of the last (one
 * conversation's deliveries in order without waiting). Baselines, same run: the same receiver POSTed to directly (one request; WORKERS at a
 * time for the burst), which is what the deliveries' HTTP alone would take.
 * Last, a channel's webhook intake (the Telegram queue, like Meta's, X's and Slack's): photos
 * sent to INTAKE_INBOXES bots, each fetched from a fake Bot API whose getFile takes GET_FILE_MS,
 * until the last is stored; baseline the same file fetches made one at a time, which is all a
 * single intake worker could do.
 */
export async function run(ctx) {
  const count = ctx.quick ? 10 : 40;
  const burst = ctx.quick ? 100 : 400;
  const arrived = new Map();
  const receiver = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let text = '';
      try {
        text = JSON.parse(Buffer.concat(chunks).toString()).data?.text ?? '';
      } catch {
        /* a bare request's body */
      }
      if (text && !arrived.has(text)) arrived.set(text, now());
      res.end('ok');
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;
  const waitFor = async (text, ms) => {
    const deadline = now() + ms;
    while (!arrived.has(text) && now() < deadline) await sleep(1);
    return arrived.get(text);
  };
  const results = [];
  const databaseUrl = await ctx.db.createDatabase('jobs');
  try {
    // Baselines: the receiver alone.
    const barePost = () => fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data":{}}' }).then((r) => r.arrayBuffer());
    for (let i = 0; i < 50; i++) await barePost();
    const bareOne = [];
    for (let i = 0; i < 200; i++) {
      const t0 = now();
      await barePost();
      bareOne.push(now() - t0);
    }
    const b0 = now();
    let sent = 0;
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (sent < burst * 5) {
          sent++;
          await barePost();
        }
      }),
    );
    const bareRate = (sent / (now() - b0)) * 1000;

    const telegram = await startFakeTelegram({ getFileMs: GET_FILE_MS });
    for (let i = 0; i < 5; i++) await telegram.fetchFile(`warm-${i}`);
    const f0 = now();
    const fetches = ctx.quick ? 20 : 40;
    for (let i = 0; i < fetches; i++) await telegram.fetchFile(`bare-${i}`);
    const bareFetchRate = (fetches / (now() - f0)) * 1000;

    const server = await startInboxServer(serverEnv(databaseUrl, { OUTBOUND_ALLOW_PRIVATE: 'true', TELEGRAM_API_URL: telegram.url }));
    try {
      const admin = await loginAdmin(server.url);
      const box = await expectOk(api(server.url, 'POST', '/inboxes', admin, { name: 'jobs', channel: 'api' }), 'inbox');
      await expectOk(api(server.url, 'POST', '/webhooks', admin, { url: hookUrl, events: ['message.created'] }), 'webhook');
      const post = (text, i, contact = `c${i % 50}`) =>
        fetch(`${server.url}/api/v1/inboxes/${box.id}/incoming`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${box.token}` },
          body: JSON.stringify({ externalId: text, contact: { identifier: contact }, text }),
        }).then((r) => r.arrayBuffer());
      for (let i = 0; i < 5; i++) {
        await post(`warm-${i}`, i);
        await waitFor(`warm-${i}`, 30000);
      }
      await sleep(2000);
      ctx.log(`  idle server for ${ctx.quick ? 2 : 5} s`);
      const idleSeconds = ctx.quick ? 2 : 5;
      const meter = await cpuMeter(databaseUrl, [server.pid]);
      await sleep(idleSeconds * 1000);
      const idle = await meter.stop();
      results.push({
        name: 'jobs: CPU of an idle server a second (server + PostgreSQL)',
        value: round((idle.serverMs + (idle.databaseMs ?? 0)) / idleSeconds),
        unit: 'ms/s',
        baseline: null,
        ratio: null,
        target: 'reported',
        pass: true,
        settings: {
          seconds: idleSeconds,
          serverMsPerSecond: round(idle.serverMs / idleSeconds),
          databaseMsPerSecond: idle.databaseMs === null ? null : round(idle.databaseMs / idleSeconds),
        },
      });

      ctx.log(`  ${count} messages one at a time, POST to webhook delivery`);
      const one = [];
      for (let i = 0; i < count; i++) {
        const t0 = now();
        await post(`one-${i}`, i);
        const at = await waitFor(`one-${i}`, 30000);
        if (at === undefined) throw new Error(`message one-${i} was not delivered within 30 s`);
        one.push(at - t0);
        // Apart, so each delivery's job meets an idle queue.
        await sleep(100 + Math.random() * 200);
      }
      const s = summary(one);
      const bare = summary(bareOne);
      results.push({
        name: 'jobs: API message to its webhook delivery, p50 (queue idle)',
        value: round(s.p50),
        unit: 'ms',
        baseline: round(bare.p50),
        baselineUnit: 'ms, one POST to the receiver (p50)',
        ratio: s.p50 / bare.p50,
        target: 'reported',
        pass: true,
        settings: { count, p99: round(s.p99), max: round(s.max) },
      });

      const rounds = ctx.quick ? 10 : 30;
      ctx.log(`  ${rounds} times a customer's three quick messages, POST of the first to delivery of the last`);
      const three = [];
      for (let r = 0; r < rounds; r++) {
        const texts = [0, 1, 2].map((k) => `three-${r}-${k}`);
        const t0 = now();
        const posts = [];
        // 5 ms apart, one conversation, as a chat sends a customer's lines.
        for (const text of texts) {
          posts.push(post(text, r, `three-${r}`));
          await sleep(5);
        }
        await Promise.all(posts);
        let lastAt = 0;
        for (const text of texts) {
          const at = await waitFor(text, 30000);
          if (at === undefined) throw new Error(`message ${text} was not delivered within 30 s`);
          lastAt = Math.max(lastAt, at);
        }
        three.push(lastAt - t0);
        await sleep(100 + Math.random() * 200);
      }
      const t3 = summary(three);
      results.push({
        name: "jobs: a customer's three quick messages, the last one's webhook delivery, p50",
        value: round(t3.p50),
        unit: 'ms',
        baseline: round(bare.p50),
        baselineUnit: 'ms, one POST to the receiver (p50)',
        ratio: t3.p50 / bare.p50,
        target: 'reported',
        pass: true,
        settings: { rounds, p99: round(t3.p99), max: round(t3.max), overOneSecond: three.filter((x) => x > 1000).length },
      });

      ctx.log(`  a burst of ${burst} messages, deliveries until the last`);
      const t0 = now();
      for (let i = 0; i < burst; i += 50) await Promise.all(Array.from({ length: Math.min(50, burst - i) }, (_, k) => post(`burst-${i + k}`, i + k)));
      const posted = now() - t0;
      let last = 0;
      for (let i = 0; i < burst; i++) {
        const at = await waitFor(`burst-${i}`, 300000);
        if (at === undefined) throw new Error(`burst message ${i} was not delivered within 300 s`);
        last = Math.max(last, at);
      }
      const rate = (burst / (last - t0)) * 1000;
      results.push({
        name: `jobs: a burst of ${burst} webhook deliveries drained`,
        value: round(rate),
        unit: 'deliveries/s',
        baseline: round(bareRate),
        baselineUnit: `POSTs/s to the receiver, ${WORKERS} at a time`,
        ratio: rate / bareRate,
        target: 'reported',
        pass: true,
        settings: { burst, workers: WORKERS, postedMs: Math.round(posted), lastDeliveryMs: Math.round(last - t0) },
      });

      const perInbox = ctx.quick ? 10 : 25;
      const photos = INTAKE_INBOXES * perInbox;
      ctx.log(`  ${photos} Telegram photos to ${INTAKE_INBOXES} bots (getFile ${GET_FILE_MS} ms), until the last is stored`);
      const bots = [];
      for (let b = 0; b < INTAKE_INBOXES; b++)
        bots.push(await expectOk(api(server.url, 'POST', '/inboxes', admin, { name: `bot ${b}`, channel: 'telegram', botToken: telegram.token }), 'Telegram inbox'));
      const stored = () =>
        withClient(databaseUrl, async (c) => (await c.query(`SELECT count(*)::int AS n FROM messages WHERE inbox_id = ANY($1)`, [bots.map((b) => b.id)])).rows[0].n);
      const photo = (b, k) => ({
        update_id: 1000 * b + k,
        message: {
          message_id: k + 1,
          from: { id: 800 + k, is_bot: false, first_name: 'Olena' },
          chat: { id: 800 + k, type: 'private' },
          date: Math.floor(Date.now() / 1000),
          photo: [{ file_id: `p${b}-${k}`, file_unique_id: `u${b}-${k}`, width: 800, height: 600, file_size: 2048 }],
        },
      });
      const i0 = now();
      // Each bot's updates in order, the bots side by side (as Telegram delivers them).
      await Promise.all(
        bots.map(async (bot, b) => {
          for (let k = 0; k < perInbox; k++) await telegram.deliver(server.url, bot.settings.webhookUrl, photo(b, k));
        }),
      );
      const delivered = now() - i0;
      const deadline = now() + 300000;
      while ((await stored()) < photos) {
        if (now() > deadline) throw new Error(`${await stored()} of ${photos} Telegram photos stored within 300 s`);
        await sleep(20);
      }
      const intakeRate = (photos / (now() - i0)) * 1000;
      results.push({
        name: `jobs: Telegram photos to ${INTAKE_INBOXES} bots ingested (getFile ${GET_FILE_MS} ms)`,
        value: round(intakeRate),
        unit: 'photos/s',
        baseline: round(bareFetchRate),
        baselineUnit: 'getFile + download a second, one at a time',
        ratio: intakeRate / bareFetchRate,
        target: 'reported',
        pass: true,
        settings: { photos, inboxes: INTAKE_INBOXES, getFileMs: GET_FILE_MS, deliveredMs: Math.round(delivered) },
      });
    } finally {
      await server.stop();
      await telegram.close();
    }
  } finally {
    receiver.close();
    await ctx.db.dropDatabase(databaseUrl);
  }
  return results;
}
