import { Injectable } from '@nestjs/common';
import { ChannelAdapter } from './channel-adapter';
import { DomainError } from '../errors/domain-error';

/**
 * Adapters register themselves (each channel module calls `register` in onModuleInit),
 * so adding a channel touches its own folder and one import line in ChannelsModule.
 */
@Injectable()
export class ChannelRegistry {
  private readonly byKind = new Map<string, ChannelAdapter>();

  register(adapter: ChannelAdapter): void {
    if (this.byKind.has(adapter.kind)) throw new Error(`two adapters registered for channel ${adapter.kind}`);
    this.byKind.set(adapter.kind, adapter);
  }

  get(kind: string): ChannelAdapter {
    const adapter = this.byKind.get(kind);
    if (!adapter) throw new DomainError('CHANNEL_NOT_SUPPORTED', `channel "${kind}" is not supported; available: ${this.kinds().join(', ')}`);
    return adapter;
  }

  kinds(): string[] {
    return [...this.byKind.keys()];
  }
}
