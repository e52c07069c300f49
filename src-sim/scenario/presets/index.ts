/** The presets: the five mailing-list threads as scenario files, validated like any user file. */
import t2 from './t2-use-mm-mm-users.json' with { type: 'json' };
import t5 from './t5-fullmm-upfront-flush.json' with { type: 'json' };

export const PRESET_FILES: unknown[] = [t2, t5];
