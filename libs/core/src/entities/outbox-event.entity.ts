import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Written in the same transaction as the change it announces; `seq` orders replay after reconnects. */
@Entity('outbox_events')
export class OutboxEvent {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) seq: string;
  @Column('text') type: string;
  @Column('uuid', { name: 'conversation_id', nullable: true }) conversationId: string | null;
  @Column('jsonb') payload: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
