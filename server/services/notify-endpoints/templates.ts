// The AlimTalk template codes Kakao approved, per template and language: an admin setting stored
// in the Setting table (key "alimtalkTemplates") and validated on read and write.
import { z } from 'zod';
import type { PrismaClient } from '../../db/index.ts';
import { ALIMTALK_TEMPLATE_KEYS, type AlimtalkTemplateCodes } from '../../notify/alimtalk/templates.ts';

export const ALIMTALK_TEMPLATES_KEY = 'alimtalkTemplates';

const code = z
  .string()
  .trim()
  .max(20)
  .regex(/^[A-Za-z0-9_-]*$/, 'Letters, digits, _ and - only (at most 20)');
const perLang = z.object({ ko: code.optional(), en: code.optional() });
export const templateCodesSchema = z.object(
  Object.fromEntries(ALIMTALK_TEMPLATE_KEYS.map((k) => [k, perLang.optional()])) as Record<
    (typeof ALIMTALK_TEMPLATE_KEYS)[number],
    z.ZodOptional<typeof perLang>
  >,
);

export async function getAlimtalkTemplateCodes(prisma: PrismaClient): Promise<AlimtalkTemplateCodes> {
  const row = await prisma.setting.findUnique({ where: { key: ALIMTALK_TEMPLATES_KEY } });
  const parsed = templateCodesSchema.safeParse(row?.value ?? {});
  return parsed.success ? parsed.data : {};
}
