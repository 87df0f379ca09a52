import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CHANNEL_KINDS, ChannelRegistry } from '@inbox/core';

/** What the server can run: the admin screen offers only these channel kinds when creating an inbox. */
@ApiTags('inboxes')
@ApiBearerAuth()
@Controller('channels')
export class ChannelsController {
  constructor(private readonly registry: ChannelRegistry) {}

  @Get()
  @ApiOkResponse({ description: '{ kinds: ["api", "email", …] }: the registered channel adapters, in a stable order' })
  list(): { kinds: string[] } {
    const registered = new Set(this.registry.kinds());
    // Stable order for the picker; a kind registered outside the known list still shows, last.
    const known = CHANNEL_KINDS.filter((k) => registered.has(k));
    const extra = [...registered].filter((k) => !(CHANNEL_KINDS as readonly string[]).includes(k)).sort();
    return { kinds: [...known, ...extra] };
  }
}
