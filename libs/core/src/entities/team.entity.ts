import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { RoutingStrategyName } from './enums';

@Entity('teams')
export class Team {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') name: string;
  @Column('text', { nullable: true }) description: string | null;
  @Column('text', { default: 'least_busy' }) strategy: RoutingStrategyName;
  @Column('int', { name: 'offer_timeout_seconds', nullable: true }) offerTimeoutSeconds: number | null;
  @Column('int', { name: 'sticky_window_seconds', default: 0 }) stickyWindowSeconds: number;
  @Column('uuid', { name: 'overflow_team_id', nullable: true }) overflowTeamId: string | null;
  @Column('int', { name: 'overflow_after_seconds', nullable: true }) overflowAfterSeconds: number | null;
  @Column('jsonb', { name: 'business_hours', nullable: true }) businessHours: unknown | null;
  @Column('jsonb', { name: 'default_capacity', default: {} }) defaultCapacity: Record<string, number>;
  @Column('text', { name: 'away_message', nullable: true }) awayMessage: string | null;
  @Column('uuid', { name: 'round_robin_last_agent_id', nullable: true }) roundRobinLastAgentId: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity('team_members')
export class TeamMember {
  @PrimaryColumn('uuid', { name: 'team_id' }) teamId: string;
  @PrimaryColumn('uuid', { name: 'user_id' }) userId: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
