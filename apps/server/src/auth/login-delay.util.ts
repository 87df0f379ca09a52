/** Failed logins per account that cost nothing: typos and a forgotten caps lock. */
export const FREE_LOGIN_FAILURES = 5;
/** The longest wait between two attempts on one account: an attacker is slowed, the real user is never locked out. */
export const MAX_LOGIN_DELAY_SECONDS = 60;

/**
 * Seconds the next attempt on an account must wait after its `failures`-th failure in a row:
 * none for the first few, then 1, 2, 4, … doubling up to the cap.
 */
export function loginDelaySeconds(failures: number): number {
  if (failures <= FREE_LOGIN_FAILURES) return 0;
  return Math.min(MAX_LOGIN_DELAY_SECONDS, 2 ** (failures - FREE_LOGIN_FAILURES - 1));
}
