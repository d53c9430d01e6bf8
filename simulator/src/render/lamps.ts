// The board's physical lights beside the screen, lit exactly as the device lights them from the Frame: the
// CYD's RGB LED (Frame::rgb_led, blink phase already applied by the core) and one discrete LED per lamp
// (bit (1 << LampId) of Frame::discrete_mask).
import { css, type Frame } from '../frame.js';

/**
 * A PWM-dimmed LED still looks clearly coloured to the eye (perceived brightness is far from linear), so a
 * faint value like the all-clear 0x001000 is shown as its hue at a visible, lower intensity.
 */
export function ledAppearance(rgb888: number): string {
  const r = (rgb888 >> 16) & 0xff;
  const g = (rgb888 >> 8) & 0xff;
  const b = rgb888 & 0xff;
  const peak = Math.max(r, g, b);
  if (peak === 0) return '#000000';
  const alpha = 0.35 + 0.65 * Math.sqrt(peak / 255);
  const k = 255 / peak;
  return `rgba(${Math.round(r * k)}, ${Math.round(g * k)}, ${Math.round(b * k)}, ${alpha.toFixed(3)})`;
}

export class PhysicalLamps {
  private readonly rgb: HTMLElement;
  private readonly rgbBulb: HTMLElement;
  private discrete: { row: HTMLElement; bulb: HTMLElement }[] = [];
  private last = '';

  constructor(private readonly host: HTMLElement) {
    host.replaceChildren();
    this.rgb = this.row('RGB LED');
    this.rgbBulb = this.rgb.querySelector('.bulb') as HTMLElement;
    this.rgb.classList.add('rgb');
  }

  private row(label: string): HTMLElement {
    const row = document.createElement('div');
    row.className = 'lamp';
    const bulb = document.createElement('span');
    bulb.className = 'bulb';
    const text = document.createElement('span');
    text.textContent = label;
    row.append(bulb, text);
    this.host.append(row);
    return row;
  }

  update(frame: Frame): void {
    const key = `${frame.rgb_led}/${frame.discrete_mask}/${frame.lamps.length}`;
    if (key === this.last) return;
    this.last = key;
    if (this.discrete.length !== frame.lamps.length) {
      for (const d of this.discrete) d.row.remove();
      this.discrete = frame.lamps.map((lamp) => {
        const row = this.row(`${lamp.label} LED`);
        row.dataset.lamp = String(lamp.id);
        return { row, bulb: row.querySelector('.bulb') as HTMLElement };
      });
    }
    // An RGB888 of 0 is the LED switched off; the dim all-clear green is a real (faint) colour.
    const rgbOn = frame.rgb_led !== 0;
    this.rgb.classList.toggle('on', rgbOn);
    this.rgb.style.setProperty('--lamp-color', ledAppearance(frame.rgb_led));
    this.rgbBulb.title = css(frame.rgb_led);
    frame.lamps.forEach((lamp, i) => {
      const d = this.discrete[i];
      if (d === undefined) return;
      const on = (frame.discrete_mask & (1 << i)) !== 0;
      d.row.classList.toggle('on', on);
      d.row.style.setProperty('--lamp-color', css(lamp.on_color));
    });
  }
}
