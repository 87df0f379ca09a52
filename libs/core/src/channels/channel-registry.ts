import { Inject, Injectable } from '@nestjs/common';
import { CHANNEL_ADAPTERS, ChannelAdapter } from './channel-adapter';
import { DomainError } from '../errors/domain-error';

@Injectable()
export class ChannelRegistry {
  private readonly byKind = new Map<string, ChannelAdapter>();

  constructor(@Inject(CHANNEL_ADAPTERS) adapters: ChannelAdapter[]) {
    for (const a of adapters) {
      if (this.byKind.has(a.kind)) throw new Error(`two adapters registered for channel ${a.kind}`);
      this.byKind.set(a.kind, a);
    }
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
