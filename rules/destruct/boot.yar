/* Byte patterns for the destruction axis's capability rules (rules/destruct/*.yml
 * name them with "yara: RULE"). No family meta: these are not crypto rules. */

rule mbr_boot_code
{
    meta:
        description = "master boot record loader code (cli; xor ax,ax; mov ss,ax; mov sp,7C00h) with the 55AA signature"
    strings:
        $mbr = { FA 33 C0 8E D0 BC 00 7C }
    condition:
        for any i in (1..#mbr) : (uint16(@mbr[i] + 510) == 0xAA55)
}
