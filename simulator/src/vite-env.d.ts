// Vite-only syntax in the page (import.meta.glob, ?raw imports).
/// <reference types="vite/client" />
