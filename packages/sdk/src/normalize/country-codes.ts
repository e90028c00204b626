/**
 * @module normalize/country-codes
 * ISO 3166-1 country codes (alpha-2 with alpha-3) and the everyday names that the English names
 * from `Intl.DisplayNames` do not cover.
 */

/**
 * The 249 officially assigned ISO 3166-1 codes, as `AA:AAA` pairs, plus `XK:XKX` (Kosovo), a
 * user-assigned code that the EU, banks and ad platforms use in place of an official one.
 */
export const ALPHA_CODES = `
AD:AND AE:ARE AF:AFG AG:ATG AI:AIA AL:ALB AM:ARM AO:AGO AQ:ATA AR:ARG AS:ASM AT:AUT AU:AUS AW:ABW
AX:ALA AZ:AZE BA:BIH BB:BRB BD:BGD BE:BEL BF:BFA BG:BGR BH:BHR BI:BDI BJ:BEN BL:BLM BM:BMU BN:BRN
BO:BOL BQ:BES BR:BRA BS:BHS BT:BTN BV:BVT BW:BWA BY:BLR BZ:BLZ CA:CAN CC:CCK CD:COD CF:CAF CG:COG
CH:CHE CI:CIV CK:COK CL:CHL CM:CMR CN:CHN CO:COL CR:CRI CU:CUB CV:CPV CW:CUW CX:CXR CY:CYP CZ:CZE
DE:DEU DJ:DJI DK:DNK DM:DMA DO:DOM DZ:DZA EC:ECU EE:EST EG:EGY EH:ESH ER:ERI ES:ESP ET:ETH FI:FIN
FJ:FJI FK:FLK FM:FSM FO:FRO FR:FRA GA:GAB GB:GBR GD:GRD GE:GEO GF:GUF GG:GGY GH:GHA GI:GIB GL:GRL
GM:GMB GN:GIN GP:GLP GQ:GNQ GR:GRC GS:SGS GT:GTM GU:GUM GW:GNB GY:GUY HK:HKG HM:HMD HN:HND HR:HRV
HT:HTI HU:HUN ID:IDN IE:IRL IL:ISR IM:IMN IN:IND IO:IOT IQ:IRQ IR:IRN IS:ISL IT:ITA JE:JEY JM:JAM
JO:JOR JP:JPN KE:KEN KG:KGZ KH:KHM KI:KIR KM:COM KN:KNA KP:PRK KR:KOR KW:KWT KY:CYM KZ:KAZ LA:LAO
LB:LBN LC:LCA LI:LIE LK:LKA LR:LBR LS:LSO LT:LTU LU:LUX LV:LVA LY:LBY MA:MAR MC:MCO MD:MDA ME:MNE
MF:MAF MG:MDG MH:MHL MK:MKD ML:MLI MM:MMR MN:MNG MO:MAC MP:MNP MQ:MTQ MR:MRT MS:MSR MT:MLT MU:MUS
MV:MDV MW:MWI MX:MEX MY:MYS MZ:MOZ NA:NAM NC:NCL NE:NER NF:NFK NG:NGA NI:NIC NL:NLD NO:NOR NP:NPL
NR:NRU NU:NIU NZ:NZL OM:OMN PA:PAN PE:PER PF:PYF PG:PNG PH:PHL PK:PAK PL:POL PM:SPM PN:PCN PR:PRI
PS:PSE PT:PRT PW:PLW PY:PRY QA:QAT RE:REU RO:ROU RS:SRB RU:RUS RW:RWA SA:SAU SB:SLB SC:SYC SD:SDN
SE:SWE SG:SGP SH:SHN SI:SVN SJ:SJM SK:SVK SL:SLE SM:SMR SN:SEN SO:SOM SR:SUR SS:SSD ST:STP SV:SLV
SX:SXM SY:SYR SZ:SWZ TC:TCA TD:TCD TF:ATF TG:TGO TH:THA TJ:TJK TK:TKL TL:TLS TM:TKM TN:TUN TO:TON
TR:TUR TT:TTO TV:TUV TW:TWN TZ:TZA UA:UKR UG:UGA UM:UMI US:USA UY:URY UZ:UZB VA:VAT VC:VCT VE:VEN
VG:VGB VI:VIR VN:VNM VU:VUT WF:WLF WS:WSM YE:YEM YT:MYT ZA:ZAF ZM:ZMB ZW:ZWE XK:XKX
`;

/**
 * Names people write that differ from the English display names: official long forms, former
 * names, endonyms of large markets, and abbreviations. Read with the same loose key as display
 * names (case, accents, punctuation, `&`/`and`, `the` and `saint`/`st` do not matter).
 */
export const COUNTRY_ALIASES: Readonly<Record<string, readonly string[]>> = {
  US: ['United States of America', 'America', 'U.S.A.', 'U.S.'],
  GB: [
    'UK',
    'U.K.',
    'Great Britain',
    'Britain',
    'United Kingdom of Great Britain and Northern Ireland',
    'England',
    'Scotland',
    'Wales',
    'Northern Ireland',
  ],
  DE: ['Deutschland', 'Federal Republic of Germany'],
  NL: ['Holland', 'Nederland'],
  CH: ['Schweiz', 'Suisse', 'Svizzera'],
  AT: ['Österreich'],
  ES: ['España'],
  IT: ['Italia'],
  BR: ['Brasil'],
  IE: ['Republic of Ireland', 'Eire'],
  AE: ['UAE', 'U.A.E.', 'Emirates'],
  CN: ["People's Republic of China", 'PRC', 'Mainland China'],
  TW: ['Republic of China', 'Taiwan, Province of China'],
  HK: ['Hong Kong SAR', 'Hong Kong SAR China'],
  MO: ['Macau', 'Macao SAR China'],
  KR: ['South Korea', 'Republic of Korea', 'Korea, Republic of', 'Korea'],
  KP: [
    'North Korea',
    "Democratic People's Republic of Korea",
    "Korea, Democratic People's Republic of",
  ],
  RU: ['Russian Federation'],
  CZ: ['Czech Republic'],
  TR: ['Turkey', 'Türkiye'],
  CI: ['Ivory Coast', "Côte d'Ivoire"],
  MM: ['Burma'],
  VN: ['Viet Nam'],
  IR: ['Islamic Republic of Iran', 'Iran, Islamic Republic of'],
  SY: ['Syrian Arab Republic'],
  LA: ["Lao People's Democratic Republic", 'Lao PDR'],
  BO: ['Plurinational State of Bolivia', 'Bolivia, Plurinational State of'],
  VE: ['Bolivarian Republic of Venezuela', 'Venezuela, Bolivarian Republic of'],
  TZ: ['United Republic of Tanzania', 'Tanzania, United Republic of'],
  MD: ['Republic of Moldova', 'Moldova, Republic of'],
  MK: ['Macedonia', 'Republic of North Macedonia', 'FYROM'],
  VA: ['Vatican', 'Vatican City State', 'Holy See'],
  CV: ['Cape Verde', 'Cabo Verde'],
  SZ: ['Swaziland', 'Eswatini'],
  TL: ['East Timor', 'Timor-Leste'],
  BN: ['Brunei Darussalam'],
  PS: ['Palestine', 'State of Palestine', 'Palestinian Territories'],
  CD: [
    'Democratic Republic of the Congo',
    'Congo, Democratic Republic of the',
    'DR Congo',
    'DRC',
    'Congo-Kinshasa',
  ],
  CG: ['Republic of the Congo', 'Congo', 'Congo-Brazzaville'],
  FM: ['Micronesia', 'Federated States of Micronesia'],
  FK: ['Falkland Islands', 'Malvinas'],
  VG: ['British Virgin Islands', 'Virgin Islands, British'],
  VI: ['US Virgin Islands', 'U.S. Virgin Islands', 'Virgin Islands, U.S.'],
  XK: ['Kosovo'],
};
