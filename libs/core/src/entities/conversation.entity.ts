import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ChannelKind, ConversationStatus } from './enums';

@Entity('conversations')
export class Conversation {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'inbox_id' }) inboxId: string;
  @Column('text') channel: ChannelKind;
  @Column('uuid', { name: 'contact_id' }) contactId: string;
  /** The identity the conversation came from: replies go there, whatever a contact merge adds. */
  @Column('uuid', { name: 'contact_identity_id', nullable: true }) contactIdentityId: string | null;
  @Column('text', { name: 'thread_key' }) threadKey: string;
  @Column('text') status: ConversationStatus;
  @Column('smallint') priority: number;
  @Column('uuid', { name: 'assignee_id', nullable: true }) assigneeId: string | null;
  @Column('uuid', { name: 'team_id', nullable: true }) teamId: string | null;
  @Column('text', { array: true, default: '{}' }) labels: string[];
  @Column('text', { nullable: true }) subject: string | null;
  @Column('text', { nullable: true }) language: string | null;
  @Column('text', { name: 'required_skills', array: true, default: '{}' }) requiredSkills: string[];
  @Column('text', { name: 'assignment_reason', nullable: true }) assignmentReason: string | null;
  @Column('timestamptz', { name: 'waiting_since', nullable: true }) waitingSince: Date | null;
  @Column('timestamptz', { name: 'first_response_at', nullable: true }) firstResponseAt: Date | null;
  @Column('timestamptz', { name: 'resolved_at', nullable: true }) resolvedAt: Date | null;
  @Column('timestamptz', { name: 'snoozed_until', nullable: true }) snoozedUntil: Date | null;
  @Column('timestamptz', { name: 'last_message_at' }) lastMessageAt: Date;
  @Column('uuid', { name: 'offered_to_id', nullable: true }) offeredToId: string | null;
  @Column('timestamptz', { name: 'offer_expires_at', nullable: true }) offerExpiresAt: Date | null;
  @Column('uuid', { name: 'declined_by', array: true, default: '{}' }) declinedBy: string[];
  @Column('timestamptz', { name: 'assigned_at', nullable: true }) assignedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
