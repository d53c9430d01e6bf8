# PlatformIO post-build step (platformio.ini: extra_scripts = post:scripts/pio_factory_image.py).
#
# After `pio run -e <env>` it writes .pio/build/<env>/claude-gauge-<env>-factory.bin: the whole flash image
# (the Arduino core's bootloader at 0x1000, the partition table at 0x8000, boot_app0 at 0xe000 and the app
# at 0x10000, as PlatformIO's own upload writes them) merged into one file that is written at offset 0.
# The install page (the daemon's /install) flashes exactly this file when it exists, and the release
# workflow publishes it under the same name (docs/firmware.md, "Install from your browser").
#
# The offsets and files come from PlatformIO itself (FLASH_EXTRA_IMAGES, ESP32_APP_OFFSET) and the flash
# mode, frequency and size from the board definition, so they cannot drift from what `pio run -t upload`
# writes. esptool's merge_bin is PlatformIO's own copy ($OBJCOPY is esptool.py on espressif32).
#
# Not run on the development machine (no PlatformIO there): see docs/firmware.md.
Import("env")  # noqa: F821 -- SCons injects Import()


def _flash_freq(board):
    # "40000000L" -> "40m"
    hz = int(str(board.get("build.f_flash", "40000000L")).rstrip("L"))
    return "%dm" % (hz // 1000000)


def _factory_image(source, target, env):
    board = env.BoardConfig()
    out = env.subst("$BUILD_DIR/claude-gauge-${PIOENV}-factory.bin")
    images = env.Flatten(env.get("FLASH_EXTRA_IMAGES", [])) + ["$ESP32_APP_OFFSET", "$BUILD_DIR/${PROGNAME}.bin"]
    cmd = [
        '"$PYTHONEXE"',
        '"$OBJCOPY"',
        "--chip",
        board.get("build.mcu", "esp32"),
        "merge_bin",
        "--output",
        '"%s"' % out,
        "--flash_mode",
        board.get("build.flash_mode", "dio"),
        "--flash_freq",
        _flash_freq(board),
        "--flash_size",
        board.get("upload.flash_size", "4MB"),
    ] + [str(i) if str(i).startswith(("0x", "$ESP32_APP_OFFSET")) else '"%s"' % i for i in images]
    if env.Execute(" ".join(cmd)) != 0:
        print("claude-gauge: merging the factory image failed (see above)")
        env.Exit(1)
    print("claude-gauge: factory image %s (write at offset 0)" % out)


env.AddPostAction("$BUILD_DIR/${PROGNAME}.bin", _factory_image)  # noqa: F821
