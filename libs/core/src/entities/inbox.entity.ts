import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ChannelKind } from './enums';

/** One configured channel instance. Secrets live sealed in `secrets`, never returned by the API. */
@Entity('inboxes')
export class Inbox {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') name: string;
  @Column('text') channel: ChannelKind;
  @Column('uuid', { name: 'team_id', nullable: true }) teamId: string | null;
  @Column('jsonb', { default: {} }) settings: Record<string, unknown>;
  @Column('text', { nullable: true, select: false }) secrets: string | null;
  @Column('text', { name: 'token_hash', nullable: true, select: false }) tokenHash: string | null;
  @Column('boolean', { default: true }) active: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

@Entity('inbox_members')
export class InboxMember {
  @PrimaryColumn('uuid', { name: 'inbox_id' }) inboxId: string;
  @PrimaryColumn('uuid', { name: 'user_id' }) userId: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
