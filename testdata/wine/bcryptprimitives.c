/*
 * bcryptprimitives.dll for Wine 8.0, which lacks it.
 *
 * Go 1.24 and later read random bytes with ProcessPrng from this DLL and die
 * at start without it ("bcryptprimitives.dll not found"). This shim gives
 * that one function, backed by RtlGenRandom (SystemFunction036 in advapi32),
 * which Wine has. It is for tests under Wine only; Windows has the real DLL.
 *
 * Built by internal/winetest:
 *   x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	/* RtlGenRandom takes a ULONG length; fill a larger buffer in pieces. */
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
