import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { UserRole } from './enums';

@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') email: string;
  @Column('text') name: string;
  @Column('text', { name: 'password_hash', select: false }) passwordHash: string;
  /** In every JWT; bumped to end every session of the user at once. */
  @Column('integer', { name: 'token_version', default: 0 }) tokenVersion: number;
  @Column('text') role: UserRole;
  @Column('text', { array: true, default: '{}' }) languages: string[];
  @Column('text', { array: true, default: '{}' }) skills: string[];
  @Column('jsonb', { default: {} }) capacity: Record<string, number>;
  @Column('text', { nullable: true, name: 'avatar_url' }) avatarUrl: string | null;
  @Column('text', { default: 'en' }) locale: string;
  @Column('boolean', { default: true }) active: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
