import { useQuery } from '@tanstack/react-query';
import { get } from '../../api/client';

/** Only the channel kinds this server runs (GET /channels), in the server's order; null while unknown. */
export function useChannelKinds(): string[] | null {
  const q = useQuery({ queryKey: ['channel-kinds'], queryFn: () => get<{ kinds: string[] }>('/channels'), staleTime: 5 * 60_000 });
  return q.data?.kinds ?? null;
}
