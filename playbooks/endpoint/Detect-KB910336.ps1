<#
  Detect-KB910336.ps1: the detection script of KB910336 (Windows Update
  fails with 0x80070002 or 0x80070003) for an Intune remediation or a
  Configuration Manager configuration item. It changes nothing.

  It runs "wuplay plan" with the playbook built into wuplay.exe and tells
  the console what the plan found:

    Intune:    exit 0  compliant: nothing to do
               exit 1  the fix is needed: Intune runs Remediate-KB910336.ps1
    ConfigMgr: prints Compliant or NonCompliant and exits 0 (compliance
               rule: the value Equals Compliant, remediate when supported)
    Both:      exit 3 when wuplay could not tell (wuplay.exe missing, the
               playbook or the host could not be read, the fix cannot be
               done here): the console shows an error, not a state.

  Its output is one line a step, no colour, for the console's log; the
  same lines go to $Log.
#>

# wuplay.exe as deployed (a Win32 app), and what it runs.
$Wuplay   = 'C:\Program Files\wuplay\wuplay.exe'
$Playbook = 'kb910336'
# Intune reads the exit code, ConfigMgr the output.
$Console  = 'Intune'    # or 'ConfigMgr'
$Log      = "$env:ProgramData\wuplay\Detect-KB910336.log"

# One line a step from wuplay's -json stream.
function Format-WuplayLine([string]$Line) {
    try { $o = $Line | ConvertFrom-Json } catch { return $Line }
    switch ($o.type) {
        'planned_step' {
            if ($o.step.action -eq 'no-op') { '{0}: no change ({1})' -f $o.step.address, $o.step.reason }
            else { '{0}: will {1}' -f $o.step.address, $o.step.action }
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
    exit 3
}
try { [Console]::OutputEncoding = [Text.Encoding]::UTF8 } catch {}
New-Item -ItemType Directory -Force -Path (Split-Path $Log) | Out-Null

# -detailed-exitcode: 0 nothing to change, 1 error, 2 changes to make.
$lines = & $Wuplay plan -detailed-exitcode -json $Playbook 2>&1 | ForEach-Object { Format-WuplayLine "$_" }
$code = $LASTEXITCODE
$lines | Set-Content -LiteralPath $Log -Encoding UTF8

switch ($code) {
    0 { $state = 'Compliant'; $exit = 0 }
    2 { $state = 'NonCompliant'; $exit = 1 }
    default {
        if ($Console -eq 'Intune') { $lines }
        [Console]::Error.WriteLine("wuplay plan failed (exit $code): $($lines -join ' ')")
        exit 3
    }
}
if ($Console -eq 'ConfigMgr') {
    $state    # the one value the compliance rule compares
    exit 0
}
$lines
exit $exit
