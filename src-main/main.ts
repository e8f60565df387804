// Electron main entry, bundled to out/main/main.js by scripts/build-main.ts (see desktop-app.ts).
import { runDesktopApp } from './desktop-app.ts';

runDesktopApp();
