import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig, MessageRepository, Transactions } from '@inbox/core';
import { MetaGraphClient } from '../meta/meta-graph.client';
import { MetaRepository } from '../meta/meta.repository';
import { MessagingChannelAdapter } from '../messenger/messenger-channel.adapter';

/**
 * An Instagram inbox is one Instagram professional account linked to a Facebook Page:
 * Instagram Messaging speaks the Messenger Platform's webhook and Send API.
 */
@Injectable()
export class InstagramChannelAdapter extends MessagingChannelAdapter {
  readonly kind = 'instagram' as const;
  protected readonly idField = 'instagramAccountId' as const;

  constructor(graph: MetaGraphClient, repo: MetaRepository, messages: MessageRepository, tx: Transactions, @Inject(APP_CONFIG) config: AppConfig) {
    super(graph, repo, messages, tx, config);
  }
}
