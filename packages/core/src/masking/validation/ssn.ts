/**
 * A US Social Security number the SSA could have issued: area not 000, 666 or 900-999, group not
 * 00, serial not 0000 (and not the numbers advertising made famous, 078-05-1120 and 219-09-9999).
 */
export function isPlausibleSsn(area: string, group: string, serial: string): boolean {
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (group === '00' || serial === '0000') return false;
  const whole = `${area}${group}${serial}`;
  return whole !== '078051120' && whole !== '219099999';
}
