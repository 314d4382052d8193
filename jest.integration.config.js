import base from './jest.base.config.js';
export default { ...base, displayName: 'integration', roots: ['<rootDir>/test/integration'], testTimeout: 600000 };
