// Root Jest config: `npx jest` runs every project; Nx runs each project's own config.
const { getJestProjectsAsync } = require('@nx/jest');

module.exports = async () => ({ projects: await getJestProjectsAsync() });
