/** Quality review's shared vocabulary: the server scores with it, the web app previews with it. */
export const CRITERION_SCALES = ['0-2', '1-5', 'yes_no'] as const;
export type CriterionScale = (typeof CRITERION_SCALES)[number];

/** Lowest and highest score of each scale (yes/no is 0 or 1). */
export const CRITERION_RANGE: Record<CriterionScale, [number, number]> = { '0-2': [0, 2], '1-5': [1, 5], yes_no: [0, 1] };

export interface Criterion {
  key: string;
  label: string;
  description?: string | null;
  weight: number;
  scale: CriterionScale;
}

export interface CriterionScore {
  key: string;
  score: number;
  comment?: string | null;
  messageId?: string | null;
}
