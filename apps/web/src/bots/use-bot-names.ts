import { useQuery } from '@tanstack/react-query';
import { get } from '../api/client';

/** Bot id → name, so the timeline can say which bot wrote or acted. */
export function useBotNames(): Map<string, string> {
  const q = useQuery({ queryKey: ['bot-directory'], queryFn: () => get<Array<{ id: string; name: string }>>('/directory/bots'), staleTime: 60_000 });
  return new Map((Array.isArray(q.data) ? q.data : []).map((b) => [b.id, b.name]));
}
