// The browser install page's data (the page itself is part of the built web UI: simulator/install/):
//
//   GET  /install                    -> /install/ (the page), or how to get it when no UI is built
//   GET  /install/boards.json        boards from platformio.ini, the firmware's name and version, where each
//                                    board's image comes from ("local" build, "release", "missing")
//   GET  /install/<env>/manifest.json   ESP Web Tools manifest: one merged image at offset 0
//   GET  /install/<env>/firmware.bin    that image: the local build, else relayed from the release (GitHub's
//                                    downloads send no CORS headers, so the browser cannot fetch them itself)
//   GET  /install/device.json        the /usage URL a gauge on the LAN can poll, and whether a token exists
//   POST /install/token              the token, for the gauge: only to a page on this machine (loopback), only
//                                    when asked with {"consent": true}, never cached
//
// None of it carries usage data, so it sits beside the UI outside the bearer-token scope (a browser
// navigation cannot send the header); no answer carries a path of this machine.
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { isLoopbackHost } from '../config.js';
import {
  boardEntry,
  ENV_NAME,
  factoryImageName,
  findImage,
  manifestFor,
  readBoards,
  readFirmwareIdentity,
  releaseBaseUrl,
} from '../install/boards.js';
import { deviceDaemonUrl } from '../lan.js';

export interface InstallRouteOptions {
  /** The checkout (platformio.ini, firmware sources, .pio/build); null when not run from one. */
  projectDir: string | null;
  /** The served UI directory, if any (the page lives at <ui>/install/index.html). */
  uiRoot: string | null;
  /** The address the daemon listens on (what the gauge can reach). */
  listenHost: string;
  token: string | null;
  /** Release downloads (default: package.json's repository on GitHub); tests point it at loopback. */
  releaseBase?: string | null;
  /** How long a relayed release download may take in all. */
  releaseTimeoutMs?: number;
}

/** A 4 MB flash holds the whole image; 16 MB is the largest ESP32 flash. */
const MAX_IMAGE_BYTES = 16 * 1024 * 1024;

function problem(reply: FastifyReply, code: number, error: string, message: string) {
  return reply.code(code).header('Cache-Control', 'no-store').send({ error, message });
}

function fromLoopback(request: FastifyRequest): boolean {
  return isLoopbackHost(request.socket.remoteAddress ?? '');
}

export const installRoutes: FastifyPluginAsync<InstallRouteOptions> = async (app, opts) => {
  const projectDir =
    opts.projectDir && existsSync(join(opts.projectDir, 'platformio.ini')) ? opts.projectDir : null;
  const releaseBase =
    opts.releaseBase !== undefined ? opts.releaseBase : projectDir && releaseBaseUrl(projectDir);
  const pageBuilt = opts.uiRoot !== null && existsSync(join(opts.uiRoot, 'install', 'index.html'));

  app.get('/install', async (_request, reply) => {
    if (pageBuilt) return reply.redirect('/install/', 302);
    reply.code(404).type('text/plain; charset=utf-8');
    return (
      'The install page is part of the web UI, which this daemon does not serve.\n' +
      'Run `npm start` (it builds the UI and serves it), or `npm run sim:build` and `claude-gauge serve --ui simulator/dist`.\n'
    );
  });

  const noProject = (reply: FastifyReply) =>
    problem(
      reply,
      404,
      'no_checkout',
      'this daemon runs outside a claude-gauge checkout: no boards to install',
    );

  /** The board for an env of the request, or an answer already sent. */
  const boardOf = async (env: string, reply: FastifyReply) => {
    if (!projectDir) {
      noProject(reply);
      return null;
    }
    const board = ENV_NAME.test(env) ? (await readBoards(projectDir)).find((b) => b.env === env) : undefined;
    if (!board) {
      problem(
        reply,
        404,
        'unknown_board',
        `no installable board env "${env.slice(0, 64)}" in platformio.ini`,
      );
      return null;
    }
    return board;
  };

  app.get('/install/boards.json', async (_request, reply) => {
    reply.header('Cache-Control', 'no-store');
    if (!projectDir) return noProject(reply);
    return {
      firmware: readFirmwareIdentity(projectDir),
      boards: (await readBoards(projectDir)).map((b) =>
        boardEntry(b, findImage(projectDir, b.env, { releaseBase })),
      ),
    };
  });

  app.get<{ Params: { env: string } }>('/install/:env/manifest.json', async (request, reply) => {
    const board = await boardOf(request.params.env, reply);
    if (!board || !projectDir) return reply;
    const image = findImage(projectDir, board.env, { releaseBase });
    if (image.kind === 'missing')
      return problem(
        reply,
        404,
        'no_image',
        `no firmware image for ${board.env}: build it with \`pio run -e ${board.env}\` (no release is configured)`,
      );
    reply.header('Cache-Control', 'no-store');
    return manifestFor(readFirmwareIdentity(projectDir), image, 'firmware.bin');
  });

  app.get<{ Params: { env: string } }>('/install/:env/firmware.bin', async (request, reply) => {
    const board = await boardOf(request.params.env, reply);
    if (!board || !projectDir) return reply;
    const image = findImage(projectDir, board.env, { releaseBase });
    reply.header('Cache-Control', 'no-store');
    if (image.kind === 'missing')
      return problem(
        reply,
        404,
        'no_image',
        `no firmware image for ${board.env}: build it with \`pio run -e ${board.env}\``,
      );
    if (image.kind === 'local') {
      reply.type('application/octet-stream').header('Content-Length', String(image.bytes));
      return reply.send(createReadStream(image.file));
    }
    return relay(reply, image.url, factoryImageName(board.env), opts.releaseTimeoutMs ?? 120_000);
  });

  app.get('/install/device.json', async (request, reply) => {
    reply.header('Cache-Control', 'no-store');
    const { url, reason } = deviceDaemonUrl(
      opts.listenHost,
      request.socket.localPort ?? 0,
      request.socket.localAddress,
    );
    return {
      daemonUrl: url,
      reason,
      tokenRequired: opts.token !== null,
      // The token is handed to a page on this machine only: Web Serial needs one anyway (https or localhost).
      tokenOffered: opts.token !== null && fromLoopback(request),
    };
  });

  app.post<{ Body: { consent?: unknown } }>(
    '/install/token',
    {
      schema: {
        body: {
          type: 'object',
          required: ['consent'],
          properties: { consent: { const: true } },
        },
      },
    },
    async (request, reply) => {
      // A cross-site page cannot get here with a JSON body without a preflight this daemon never answers;
      // the fetch metadata says so outright where the browser sends it.
      const site = request.headers['sec-fetch-site'];
      if (!fromLoopback(request) || (site !== undefined && site !== 'same-origin' && site !== 'none'))
        return problem(
          reply,
          403,
          'forbidden',
          'the token is handed only to the install page opened on this machine',
        );
      reply.header('Cache-Control', 'no-store');
      return { token: opts.token };
    },
  );
};

/** Streams a release asset to the browser, bounded in size and time. */
async function relay(reply: FastifyReply, url: string, name: string, timeoutMs: number) {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    return problem(
      reply,
      502,
      'release_unreachable',
      `could not download ${name} from the release: ${(err as Error).message}`,
    );
  }
  if (!res.ok || !res.body)
    return problem(reply, 502, 'release_unavailable', `the release has no ${name} (HTTP ${res.status})`);
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_IMAGE_BYTES)
    return problem(
      reply,
      502,
      'release_too_large',
      `${name} is ${declared} bytes, more than any ESP32 flash holds`,
    );
  let seen = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      done(seen > MAX_IMAGE_BYTES ? new Error(`${name} is larger than any ESP32 flash`) : null, chunk);
    },
  });
  reply.type('application/octet-stream');
  if (declared > 0) reply.header('Content-Length', String(declared));
  return reply.send(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream).pipe(cap));
}
