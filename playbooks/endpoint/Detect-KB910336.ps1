<#
  Detect-KB910336.ps1: the detection script of KB910336 (Windows Update
  fails with 0x80070002 or 0x80070003) for an Intune remediation or a
  Configuration Manager configuration item. It changes nothing.

  It runs "wuplay plan -detect" with the playbook built into wuplay.exe,
  which answers the console directly:

    Intune:    exit 0  compliant: nothing to do
               exit 1  the fix is needed: Intune runs Remediate-KB910336.ps1
               (output: one line a step, then the verdict)
    ConfigMgr: prints Compliant or NonCompliant and exits 0 (compliance
               rule: the value Equals Compliant, remediate when supported)
    Both:      exit 3 when wuplay could not tell (wuplay.exe missing, the
               playbook or the host could not be read, the fix cannot be
               done here): the console shows an error, not a state.

  The same output goes to $Log.
#>

# wuplay.exe as deployed (a Win32 app), and what it runs.
$Wuplay   = 'C:\Program Files\wuplay\wuplay.exe'
$Playbook = 'kb910336'
# Intune reads the exit code, ConfigMgr the output.
$Console  = 'Intune'    # or 'ConfigMgr'
$Log      = "$env:ProgramData\wuplay\Detect-KB910336.log"

if (-not (Test-Path -LiteralPath $Wuplay)) {
    [Console]::Error.WriteLine("wuplay.exe is not at $Wuplay")
    exit 3
}
try { [Console]::OutputEncoding = [Text.Encoding]::UTF8 } catch {}
New-Item -ItemType Directory -Force -Path (Split-Path $Log) | Out-Null

$detect = if ($Console -eq 'ConfigMgr') { '-detect=configmgr' } else { '-detect' }
& $Wuplay plan $detect $Playbook | Tee-Object -LiteralPath $Log
exit $LASTEXITCODE
