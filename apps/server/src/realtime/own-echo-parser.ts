import { createAdapter, type RedisAdapter } from '@socket.io/redis-adapter';
import type Redis from 'ioredis';
import * as msgpack from 'notepack.io';

/**
 * The Redis adapter's parser: msgpack, the adapter's own default, except for this process's own
 * broadcasts coming back. The adapter publishes each broadcast to Redis as `[uid, packet, opts]`
 * and, subscribed to the same channels, receives it again; it then decoded the whole packet (the
 * event and its data) only to read the first element and drop the message as its own. In the
 * routing storm that decode was about half of the adapter's receiving work on each replica
 * (README, Performance, twenty-fourth wave). A broadcast's first bytes are the array's header and
 * the sender's uid, so an own echo is recognised by them and answered with `[uid]`: the adapter
 * compares the uid with its own and returns before it looks at the packet, as it did after the
 * full decode (another namespace's adapter of this process finds no packet and ignores it, as
 * it ignored the other namespace's packet). Everything else (other replicas' broadcasts, the
 * adapter's requests and responses) is decoded as before.
 */
export class OwnEchoParser {
  /** Each adapter of this process (one per namespace): its uid and the encoded head `[uid, `. */
  private readonly own: Array<{ uid: string; head: Buffer }> = [];

  /** Called with each adapter this process creates. */
  adopt(uid: string): void {
    // `[uid, 0, 0]` encodes each 0 as one byte: the head is everything before them.
    const encoded = Buffer.from(msgpack.encode([uid, 0, 0]) as Uint8Array);
    this.own.push({ uid, head: encoded.subarray(0, encoded.length - 2) });
  }

  encode(message: unknown): Buffer {
    return msgpack.encode(message) as Buffer;
  }

  decode(message: Buffer): unknown {
    for (const { uid, head } of this.own) {
      if (message.length > head.length && message.compare(head, 0, head.length, 0, head.length) === 0) return [uid];
    }
    return msgpack.decode(message);
  }
}

/** socket.io's Redis adapter on `key`, with the parser above knowing each of its namespaces' uids. */
export function redisAdapterSkippingOwnEchoes(pub: Redis, sub: Redis, key: string): (nsp: unknown) => RedisAdapter {
  const parser = new OwnEchoParser();
  const make = createAdapter(pub, sub, { key, parser });
  // socket.io calls it with `new` (an arrow function cannot be): a function returning an object.
  return function redisAdapter(nsp: unknown) {
    const adapter = make(nsp);
    parser.adopt(adapter.uid as string);
    return adapter;
  };
}
