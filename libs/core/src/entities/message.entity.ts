import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AuthorType, DeliveryStatus, MessageDirection, MessageKind } from './enums';

@Entity('messages')
export class Message {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'conversation_id' }) conversationId: string;
  @Column('uuid', { name: 'inbox_id' }) inboxId: string;
  @Column('text') direction: MessageDirection;
  @Column('text') kind: MessageKind;
  @Column('text', { name: 'author_type' }) authorType: AuthorType;
  @Column('uuid', { name: 'author_id', nullable: true }) authorId: string | null;
  @Column('text', { default: '' }) text: string;
  @Column('text', { nullable: true }) html: string | null;
  @Column('text', { name: 'external_id', nullable: true }) externalId: string | null;
  @Column('text', { nullable: true }) status: DeliveryStatus | null;
  @Column('text', { nullable: true }) error: string | null;
  @Column('int', { default: 0 }) attempts: number;
  @Column('uuid', { name: 'job_id', nullable: true }) jobId: string | null;
  @Column('timestamptz', { name: 'delivery_deadline', nullable: true }) deliveryDeadline: Date | null;
  @Column('jsonb', { default: {} }) metadata: Record<string, unknown>;
  @Column('timestamptz', { name: 'sent_at', nullable: true }) sentAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity('attachments')
export class Attachment {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'message_id' }) messageId: string;
  @Column('text', { name: 'file_name' }) fileName: string;
  @Column('text', { name: 'content_type' }) contentType: string;
  @Column('int') size: number;
  @Column('text', { name: 'content_id', nullable: true }) contentId: string | null;
  @Column('text', { name: 'storage_path', nullable: true }) storagePath: string | null;
  @Column('bytea', { nullable: true, select: false }) data: Buffer | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
