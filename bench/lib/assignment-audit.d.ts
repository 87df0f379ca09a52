export interface AuditRow {
  id: string | number;
  conversation_id: string;
  action: string;
  agent_id: string | null;
  previous_agent_id: string | null;
  agent_load_after: number | null;
  agent_capacity: number | null;
  over_capacity: boolean;
}
export function auditAssignmentLog(log: AuditRow[]): { violations: string[]; capacityBreaches: string[] };
export const AUDIT_QUERY: string;
