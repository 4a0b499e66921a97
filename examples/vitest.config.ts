import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../vitest.shared.ts';

// the programs sit at the top of the folder, their test beside them
export default mergeConfig(packageTestConfig('@diffflow/examples'), { test: { include: ['*.test.ts'] } });
