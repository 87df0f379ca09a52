'use strict';
/**
 * Replays assignment_log rows (ordered by conversation, then id) and reports every step
 * that would mean a conversation held by two agents at once, and every assignment that
 * pushed an agent past capacity (or was forced over it). Shared by the two-replica storm
 * test and the two-replica benchmark, so both audit the log the same way.
 * CommonJS on purpose: the bench (ESM) loads it with createRequire, jest with require.
 */
function auditAssignmentLog(log) {
  const violations = [];
  const capacityBreaches = [];
  let holder = null;
  let offeredTo = null;
  let current = '';
  for (const e of log) {
    if (e.conversation_id !== current) {
      current = e.conversation_id;
      holder = null;
      offeredTo = null;
    }
    switch (e.action) {
      case 'offer':
        if (holder || offeredTo) violations.push(`${e.id}: offer while held by ${holder ?? offeredTo}`);
        offeredTo = e.agent_id;
        break;
      case 'accept':
        if (offeredTo !== e.agent_id || holder) violations.push(`${e.id}: accept by ${e.agent_id} but offered to ${offeredTo}, held by ${holder}`);
        holder = e.agent_id;
        offeredTo = null;
        break;
      case 'decline':
      case 'expire':
        if (offeredTo !== e.previous_agent_id) violations.push(`${e.id}: ${e.action} of an offer held by ${offeredTo}`);
        offeredTo = null;
        break;
      case 'assign':
        if (holder !== e.previous_agent_id || offeredTo) violations.push(`${e.id}: assign to ${e.agent_id} while held by ${holder ?? offeredTo}`);
        holder = e.agent_id;
        break;
      case 'requeue':
      case 'unassign':
      case 'transfer':
        if (holder !== e.previous_agent_id) violations.push(`${e.id}: ${e.action} from ${e.previous_agent_id} while held by ${holder}`);
        holder = null;
        break;
    }
    if (['assign', 'offer', 'accept'].includes(e.action) && (e.over_capacity || e.agent_load_after > e.agent_capacity)) {
      capacityBreaches.push(`${e.id}: ${e.agent_id} at ${e.agent_load_after}/${e.agent_capacity}${e.over_capacity ? ' (forced)' : ''}`);
    }
  }
  return { violations, capacityBreaches };
}

/** The columns auditAssignmentLog reads, in the order it needs. */
const AUDIT_QUERY = `SELECT id, conversation_id, action, agent_id, previous_agent_id, agent_load_after, agent_capacity, over_capacity, extract(epoch from created_at) * 1000 AS at FROM assignment_log ORDER BY conversation_id, id`;

module.exports = { auditAssignmentLog, AUDIT_QUERY };
