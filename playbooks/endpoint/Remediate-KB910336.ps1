<#
  Remediate-KB910336.ps1: the remediation script of KB910336 for an Intune
  remediation or a Configuration Manager configuration item; it runs after
  Detect-KB910336.ps1 found the fix needed.

  It runs "wuplay apply -auto-approve" with the playbook built into
  wuplay.exe: wuplay plans again, stops wuauserv, moves
  SoftwareDistribution aside, starts wuauserv, and checks each step. On a
  failure it puts back what it changed (wuauserv is started again) and
  this script exits 1. The audit record of the run (apply -report) is kept
  in $ReportDir, since the fix erases Windows Update's own history.

  Its output is one line a step, no colour, for the console's log.

  When a step needs a restart of the machine (reboot_required; KB910336
  has none, but a script made from this one for KB971058 has), it says
  "Restart required" and exits $RebootExitCode: 3010, the Windows
  soft-reboot code, where the console reads it so (a Win32 app in Intune,
  an application or package in ConfigMgr); 0 for an Intune remediation
  or a ConfigMgr configuration item, which take any code but 0 as a
  failed remediation and restart nothing themselves.
#>

# wuplay.exe as deployed (a Win32 app), and what it runs.
$Wuplay    = 'C:\Program Files\wuplay\wuplay.exe'
$Playbook  = 'kb910336'
$ReportDir = "$env:ProgramData\wuplay"
$RebootExitCode = 0    # or 3010, where the console reads it as a soft reboot
$script:Reboot = $false

# One line a step from wuplay's -json stream.
function Format-WuplayLine([string]$Line) {
    try { $o = $Line | ConvertFrom-Json } catch { return $Line }
    switch ($o.type) {
        'step_finished' {
            if ($o.error) { '{0}: {1} failed: {2}' -f $o.address, $o.action, $o.error }
            else { '{0}: {1} done in {2} ms' -f $o.address, $o.action, $o.duration_ms }
        }
        'apply_summary' {
            'Apply: {0} changed, {1} failed, {2} put back, {3} not attempted, {4} unchanged.' -f `
                $o.changed, $o.failed, $o.put_back, $o.not_attempted, $o.unchanged
            foreach ($s in $o.steps) { if ($s.put_back) { '{0}: {1}' -f $s.address, $s.put_back } }
            if ($o.reboot_required) { $script:Reboot = $true; 'Restart required: the machine needs a restart to finish.' }
        }
        'plan_summary' {
            if ($o.symptom_present -eq $false) { 'Symptom not present: nothing to do.' }
            else { 'Plan: {0} to change, {1} unchanged.' -f $o.changes, $o.unchanged }
        }
        'diagnostic' { 'Error: {0}' -f $o.summary }
    }
}

if (-not (Test-Path -LiteralPath $Wuplay)) {
    [Console]::Error.WriteLine("wuplay.exe is not at $Wuplay")
    exit 1
}
try { [Console]::OutputEncoding = [Text.Encoding]::UTF8 } catch {}
New-Item -ItemType Directory -Force -Path $ReportDir | Out-Null
$report = Join-Path $ReportDir ('{0}-{1:yyyyMMdd-HHmmss}.json' -f $Playbook, (Get-Date))

& $Wuplay apply -auto-approve -json -report $report $Playbook 2>&1 | ForEach-Object { Format-WuplayLine "$_" }
$code = $LASTEXITCODE
if ($code -ne 0) {
    [Console]::Error.WriteLine("wuplay apply failed (exit $code); see the lines above and $report")
    exit 1
}
if ($script:Reboot) { exit $RebootExitCode }
exit 0
