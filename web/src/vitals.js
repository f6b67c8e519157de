// How vitals and NEWS2 read on screen.
import { h } from './dom.js';

export const LABELS = {
  heart_rate: 'Heart rate', pulse_rate: 'Pulse', spo2: 'SpO₂', resp_rate: 'Resp. rate',
  temperature: 'Temperature', systolic: 'Systolic BP', diastolic: 'Diastolic BP',
  glucose: 'Glucose', infusion_rate: 'Infusion rate', infusion_volume: 'Infusion left',
};
export const UNITS = {
  '%': '%', '/min': '/min', Cel: '°C', 'mm[Hg]': 'mmHg', 'mmol/L': 'mmol/L', 'mL/h': 'mL/h', mL: 'mL',
};
// The vital a bed's small chart shows, in order of preference.
export const MAIN_VITALS = ['spo2', 'heart_rate', 'pulse_rate', 'resp_rate', 'temperature', 'systolic', 'glucose', 'infusion_rate'];

export const label = (v) => LABELS[v] || v;
export const unit = (u) => UNITS[u] ?? u ?? '';

export function value(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1).replace(/\.0$/, '');
}

const BAND = {
  low: { icon: '●', text: 'low' },
  low_medium: { icon: '◆', text: 'low–medium: urgent review' },
  medium: { icon: '▲', text: 'medium: urgent response' },
  high: { icon: '▲▲', text: 'high: emergency response' },
};

// NEWS2 from the sensors is a lower bound (consciousness and oxygen are a clinician's
// entries): the page says so every time it shows one.
export function news2(n) {
  if (!n) return h('p', { class: 'news2 none' }, 'NEWS2: no recent scoring vitals');
  const b = BAND[n.band] || { icon: '?', text: n.band };
  return h('p', { class: `news2 band-${n.band}`, 'data-score': n.score },
    h('span', { class: 'icon', 'aria-hidden': 'true' }, b.icon),
    h('span', { class: 'score' }, `NEWS2 ≥ ${n.score}`),
    h('span', { class: 'band' }, ` (${b.text}; partial: sensors only)`));
}
